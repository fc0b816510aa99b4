import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation';
import { GatewayProblem } from './problem';

class Item {
  @IsString() model!: string;
  @IsInt() @Min(0) tokens!: number;
}
class Batch {
  @IsArray() @ValidateNested({ each: true }) @Type(() => Item) events!: Item[];
}

describe('validation pipe', () => {
  const pipe = createValidationPipe();
  const run = (value: unknown) => pipe.transform(value, { type: 'body', metatype: Batch });

  it('names each bad field with a JSON pointer', async () => {
    const err = await run({
      events: [
        { model: 'gpt', tokens: 1 },
        { model: 3, tokens: -1 },
      ],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayProblem);
    expect((err as GatewayProblem).status).toBe(400);
    expect((err as GatewayProblem).errors).toEqual(
      expect.arrayContaining([
        { field: '/events/1/model', message: 'must be a string' },
        { field: '/events/1/tokens', message: 'must not be less than 0' },
      ]),
    );
  });

  it('refuses properties the DTO does not declare (no mass assignment)', async () => {
    const err = await run({ events: [], role: 'owner' }).catch((e) => e);
    expect((err as GatewayProblem).errors).toEqual([{ field: '/role', message: 'should not exist' }]);
  });
});
