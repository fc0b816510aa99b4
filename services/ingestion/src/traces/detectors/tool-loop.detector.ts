import type { TraceFlagData } from '@llmlab/contracts';
import type { DetectorThresholds } from './detector-thresholds';
import { inStartOrder, type EvaluatedSpan, type EvaluatedTrace, type TraceDetector } from './trace-detector';

/** `tool_loop`: one tool (`gen_ai.tool.name`) called with the same arguments (their hash) `toolLoopMinCalls` times. */
export class ToolLoopDetector implements TraceDetector {
  readonly type = 'tool_loop' as const;

  constructor(private readonly thresholds: DetectorThresholds) {}

  detect(trace: EvaluatedTrace): TraceFlagData | null {
    const groups = new Map<string, EvaluatedSpan[]>();
    for (const span of trace.spans) {
      if (span.category !== 'tool' || !span.toolName || !span.toolArgumentsHash) continue;
      const key = `${span.toolName}\u0000${span.toolArgumentsHash}`;
      groups.set(key, [...(groups.get(key) ?? []), span]);
    }
    const loops = [...groups.values()].filter((g) => g.length >= this.thresholds.toolLoopMinCalls);
    if (loops.length === 0) return null;
    const worst = loops.reduce((a, b) => (b.length > a.length ? b : a));
    return {
      type: this.type,
      spanIds: inStartOrder(
        trace,
        loops.flat().map((s) => s.spanId),
      ),
      summary: `Tool ${worst[0].toolName} was called ${worst.length} times with the same arguments (threshold ${this.thresholds.toolLoopMinCalls}).`,
      figures: { tool: worst[0].toolName ?? '', calls: worst.length, loops: loops.length, minCalls: this.thresholds.toolLoopMinCalls },
    };
  }
}
