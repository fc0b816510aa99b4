import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ example: 42 }) uptimeSeconds!: number;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'down'] }) status!: 'ok' | 'down';
  @ApiProperty({ type: [String], example: ['alerts', 'postgres'], description: 'What is down; empty when ready.' })
  down!: string[];
}
