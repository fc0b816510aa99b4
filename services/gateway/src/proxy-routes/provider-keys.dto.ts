import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PROXY_PROVIDER_IDS, type ProxyProvider } from '@llmlab/contracts';

export class StoreProviderKeyDto {
  @ApiProperty({
    enum: PROXY_PROVIDER_IDS,
    description:
      'Whose key: `openai` and `anthropic` serve the calls of their format (`/proxy/openai/v1/*`, `/proxy/anthropic/*`) that bring ' +
      'an LLMLab key in place of a provider key; every provider serves the route targets that name it (the others speak ' +
      "OpenAI's format at their own base URL). One key per provider and project.",
  })
  @IsIn(PROXY_PROVIDER_IDS)
  provider!: ProxyProvider;

  @ApiProperty({
    description: "The provider's API key, sent upstream by the proxy for the project's calls. Write-only: never returned.",
    writeOnly: true,
    example: 'sk-proj-…',
  })
  @IsString()
  @MinLength(8)
  @MaxLength(500)
  key!: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://openrouter.ai/api/v1',
    description:
      "The upstream base the key is used with, in place of the provider's (the operator's for openai and anthropic): required " +
      'for azure (https://<resource>.openai.azure.com/openai/v1); an on-premises gateway. A public HTTPS URL, checked like a ' +
      'webhook URL; anything else only for an origin in PROXY_TRUSTED_ORIGINS.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  baseUrl?: string | null;
}

export class ProviderKeyDto {
  @ApiProperty({ enum: PROXY_PROVIDER_IDS }) provider!: ProxyProvider;
  @ApiProperty({ type: String, nullable: true, example: null, description: "Null: the operator's default base for the provider." })
  baseUrl!: string | null;
  @ApiProperty({ example: 'x9Qa', description: 'The last 4 characters of the key.' }) keyHint!: string;
  @ApiProperty({ format: 'date-time' }) storedAt!: string;
  @ApiProperty({ example: 'user:0190f6c4-…', description: 'Who stored it (`user:<id>`).' }) storedBy!: string;
}
