// What the backend asks of the node: requests and limits per workload and in total, counting
// the extra pod a rolling update surges. The scheduler places pods by requests, so requests over
// the node's capacity mean pods stuck in Pending (often exactly during a deploy).
import { formatCpu, formatMemory, parseQuantity } from './quantity';
import { type Manifest, workloadsOf } from './manifest';

export interface CapacityRow {
  readonly workload: string;
  /** Pods at once at the worst moment of a rollout: replicas, plus one surge pod where it applies. */
  readonly pods: number;
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
}

export interface CapacityReport {
  readonly rows: CapacityRow[];
  readonly total: CapacityRow;
  readonly node: { readonly cpu: number; readonly memory: number };
  /** Which requests exceed the node, e.g. `cpu requests 6.5 > 4`. Empty when everything fits. */
  readonly overBudget: string[];
}

function sum(containers: any[], field: 'requests' | 'limits', resource: 'cpu' | 'memory'): number {
  return containers.reduce((total, c) => {
    const value = c.resources?.[field]?.[resource];
    return total + (value === undefined ? 0 : parseQuantity(String(value)));
  }, 0);
}

export function capacityOf(objects: readonly Manifest[], node: { cpu: string; memory: string }): CapacityReport {
  const rows = workloadsOf(objects).map(w => {
    const pods = w.replicas + (w.surges ? 1 : 0);
    // Init containers run before the app containers, so only the app containers count here.
    const containers = w.podSpec.containers ?? [];
    return {
      workload: w.id,
      pods,
      cpuRequest: pods * sum(containers, 'requests', 'cpu'),
      cpuLimit: pods * sum(containers, 'limits', 'cpu'),
      memoryRequest: pods * sum(containers, 'requests', 'memory'),
      memoryLimit: pods * sum(containers, 'limits', 'memory'),
    };
  });
  const add = (key: keyof Omit<CapacityRow, 'workload'>) => rows.reduce((t, r) => t + r[key], 0);
  const total: CapacityRow = {
    workload: 'total',
    pods: add('pods'),
    cpuRequest: add('cpuRequest'),
    cpuLimit: add('cpuLimit'),
    memoryRequest: add('memoryRequest'),
    memoryLimit: add('memoryLimit'),
  };
  const budget = { cpu: parseQuantity(node.cpu), memory: parseQuantity(node.memory) };
  const overBudget: string[] = [];
  if (total.cpuRequest > budget.cpu) overBudget.push(`CPU requests ${formatCpu(total.cpuRequest)} > node ${formatCpu(budget.cpu)}`);
  if (total.memoryRequest > budget.memory) overBudget.push(`memory requests ${formatMemory(total.memoryRequest)} > node ${formatMemory(budget.memory)}`);
  return { rows, total, node: budget, overBudget };
}

/** The report as a Markdown table (readable in a terminal and in a GitHub job summary). */
export function formatCapacity(report: CapacityReport): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const row = (r: CapacityRow) => line([
    r.workload, String(r.pods), formatCpu(r.cpuRequest), formatCpu(r.cpuLimit), formatMemory(r.memoryRequest), formatMemory(r.memoryLimit),
  ]);
  return [
    line(['workload', 'pods (incl. surge)', 'CPU req', 'CPU limit', 'memory req', 'memory limit']),
    line(['---', '---:', '---:', '---:', '---:', '---:']),
    ...report.rows.map(row),
    row(report.total),
    line(['node budget', '', formatCpu(report.node.cpu), '', formatMemory(report.node.memory), '']),
  ].join('\n');
}
