import { useEffect, useState } from 'preact/hooks';
import type { ProjectInfo } from '../api';
import { api, noteError } from '../state';
import { formatParam, graphFromRon, layers, type Graph } from '../ron';
import { ErrorText } from './common';

const BOX_W = 190;
const ROW_H = 15;
const GAP_X = 70;
const GAP_Y = 24;
const MAX_PARAMS = 6;

/** A read-only drawing of a graph: nodes in layers from sources to the output. */
export function GraphDrawing({ graph }: { graph: Graph }) {
  const cols = layers(graph);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const pos = new Map<string, { x: number; y: number; h: number }>();
  let height = 0;
  cols.forEach((col, c) => {
    let y = 10;
    for (const id of col) {
      const node = byId.get(id)!;
      const shown = Math.min(MAX_PARAMS, Object.keys(node.params).length) + (Object.keys(node.params).length > MAX_PARAMS ? 1 : 0);
      const h = 40 + shown * ROW_H;
      pos.set(id, { x: 10 + c * (BOX_W + GAP_X), y, h });
      y += h + GAP_Y;
    }
    height = Math.max(height, y);
  });
  const width = 20 + cols.length * (BOX_W + GAP_X) - GAP_X;
  return (
    <div class="graph-scroll" tabIndex={0} aria-label="Graph drawing (scrolls)">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Graph of ${graph.nodes.length} nodes and ${graph.edges.length} connections`} data-testid="graph">
        {graph.edges.map((e, i) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          const x1 = a.x + BOX_W;
          const y1 = a.y + 18;
          const x2 = b.x;
          const y2 = b.y + 18;
          const mx = (x1 + x2) / 2;
          return (
            <path key={i} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} class="edge">
              <title>
                {e.from}.{e.fromPort} → {e.to}.{e.toPort}
              </title>
            </path>
          );
        })}
        {graph.nodes.map((n) => {
          const p = pos.get(n.id)!;
          const entries = Object.entries(n.params);
          return (
            <g key={n.id} transform={`translate(${p.x},${p.y})`} class="node">
              <rect width={BOX_W} height={p.h} rx={6} />
              <text x={8} y={16} class="node-id">
                {n.id}
              </text>
              <text x={8} y={31} class="node-kind">
                {n.kind}
              </text>
              {entries.slice(0, MAX_PARAMS).map(([k, v], i) => (
                <text key={k} x={8} y={48 + i * ROW_H} class="node-param">
                  {k}: {formatParam(v)}
                </text>
              ))}
              {entries.length > MAX_PARAMS && (
                <text x={8} y={48 + MAX_PARAMS * ROW_H} class="node-param">
                  … {entries.length - MAX_PARAMS} more
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function ProjectView({ id }: { id: string }) {
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .project(id)
      .then((p) => {
        setProject(p);
        setGraph(graphFromRon(p.graph ?? ''));
      })
      .catch((e) => {
        noteError(e);
        setError(e);
      });
  }, [id]);
  return (
    <main class="screen wide">
      <h1>{project?.name ?? 'Project'}</h1>
      {project && (
        <p class="muted">
          revision {project.revision}
          {graph?.bpm ? ` · ${graph.bpm} BPM` : ''} · {graph?.nodes.length ?? 0} nodes · read-only
        </p>
      )}
      <ErrorText error={error} />
      {graph && <GraphDrawing graph={graph} />}
      {graph && (
        <details>
          <summary>All parameters</summary>
          <ul class="params">
            {graph.nodes.map((n) => (
              <li key={n.id}>
                <strong>{n.id}</strong> <code>{n.kind}</code>
                {Object.keys(n.params).length > 0 && (
                  <dl>
                    {Object.entries(n.params).map(([k, v]) => (
                      <div key={k}>
                        <dt>{k}</dt>
                        <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
    </main>
  );
}
