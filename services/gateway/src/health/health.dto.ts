import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 42 }) uptimeSeconds!: number;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'down'] }) status!: 'ok' | 'down';
  @ApiProperty({ type: [String], example: ['alerts', 'postgres'], description: 'What is down; empty when ready.' })
  down!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { ready: { type: 'boolean' }, error: { type: 'string' }, instance: { type: 'string' } },
    },
    description: 'Each domain service and whether it answered ready.',
  })
  services!: Record<string, { ready: boolean; error?: string; instance?: string }>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', properties: { up: { type: 'boolean' }, error: { type: 'string' } } },
    description: 'PostgreSQL, NATS and Redis as seen by the gateway and the services.',
  })
  dependencies!: Record<string, { up: boolean; error?: string }>;
}
