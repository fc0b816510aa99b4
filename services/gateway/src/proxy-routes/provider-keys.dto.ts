import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PROVIDERS, type Provider } from '@llmlab/contracts';

export class StoreProviderKeyDto {
  @ApiProperty({ enum: PROVIDERS, description: "Which of the proxy's formats uses the key: `/proxy/openai/v1/*` or `/proxy/anthropic/*`." })
  @IsIn(PROVIDERS)
  provider!: Provider;

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
      "The upstream base the key is used with, in place of the operator's default (Azure OpenAI, OpenRouter, an on-premises " +
      'gateway). A public HTTPS URL, checked like a webhook URL; anything else only for an origin in PROXY_TRUSTED_ORIGINS.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  baseUrl?: string | null;
}

export class ProviderKeyDto {
  @ApiProperty({ enum: PROVIDERS }) provider!: Provider;
  @ApiProperty({ type: String, nullable: true, example: null, description: "Null: the operator's default base for the provider." })
  baseUrl!: string | null;
  @ApiProperty({ example: 'x9Qa', description: 'The last 4 characters of the key.' }) keyHint!: string;
  @ApiProperty({ format: 'date-time' }) storedAt!: string;
  @ApiProperty({ example: 'user:0190f6c4-…', description: 'Who stored it (`user:<id>`).' }) storedBy!: string;
}
