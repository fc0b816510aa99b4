import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, registerDecorator, ValidateNested } from 'class-validator';
import { CHANNEL_LIMITS, CHANNEL_TYPES, type ChannelType, type DeliveryAttemptOutcome } from '@llmlab/contracts';
import { OUTCOMES } from './alerts.dto';

export class ChannelConfigDto {
  @ApiProperty({
    example: 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXX',
    maxLength: 2048,
    description:
      'slack: an incoming-webhook URL on hooks.slack.com; discord: a webhook URL on discord.com; webhook: any public HTTPS URL. ' +
      'Checked against the SSRF rules when registered and before every request; stored encrypted, never shown again.',
  })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiPropertyOptional({
    minLength: 24,
    maxLength: 256,
    description: 'webhook only: the signing secret for X-LLMLab-Signature; generated (and returned once) when absent.',
  })
  @IsOptional()
  @IsString()
  @Length(24, 256)
  secret?: string;
}

/** A `secret` is a webhook's signing secret: on any other channel it would be dropped silently, so it is refused. */
function SecretOnlyForWebhooks() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'secretOnlyForWebhooks',
      target: target.constructor,
      propertyName,
      options: { message: 'secret: only webhook channels take a signing secret' },
      validator: {
        validate: (config: unknown, args) =>
          (args?.object as { type?: unknown }).type === 'webhook' || (config as { secret?: unknown } | undefined)?.secret === undefined,
      },
    });
}

export class CreateChannelDto {
  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES)
  type!: ChannelType;

  @ApiProperty({ example: 'ops', minLength: 1, maxLength: CHANNEL_LIMITS.maxNameLength })
  @IsString()
  @Length(1, CHANNEL_LIMITS.maxNameLength)
  name!: string;

  @ApiProperty({ type: ChannelConfigDto })
  @ValidateNested()
  @Type(() => ChannelConfigDto)
  @SecretOnlyForWebhooks()
  // A type literal, as the contract's `Record<string, unknown>` takes; ChannelConfigDto validates it.
  config!: { url: string; secret?: string };
}

export class ChannelDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ enum: CHANNEL_TYPES }) type!: ChannelType;
  @ApiProperty({ example: 'ops' }) name!: string;
  @ApiProperty({
    example: 'Slack incoming webhook https://hooks.slack.com/services/…',
    description: 'What may be shown of the destination: never the secret part of a URL, never a signing secret.',
  })
  description!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedChannelDto extends ChannelDto {
  @ApiPropertyOptional({
    example: 'whsec_3q2-7wEAAA…',
    description: 'webhook only, when it was generated: the signing secret, shown this once and stored encrypted.',
  })
  signingSecret?: string;
}

export class ChannelListDto {
  @ApiProperty({ type: ChannelDto, isArray: true }) data!: ChannelDto[];
}

export class ChannelTestResultDto {
  @ApiProperty({ enum: OUTCOMES, description: 'One attempt with a sample alert, not retried.' }) outcome!: DeliveryAttemptOutcome;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it did not succeed: rejected, refused, network, …' })
  reason!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 200 }) httpStatus!: number | null;
  @ApiProperty({ example: '200 ok', description: "The receiver's short answer or what failed; never the URL." }) detail!: string;
  @ApiProperty({ type: Number, nullable: true, example: 182 }) durationMs!: number | null;
}
