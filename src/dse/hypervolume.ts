/**
 * Hypervolume indicator (Zitzler & Thiele 1998): the volume dominated by a point set and bounded by a
 * reference point, all objectives minimised. Exact, by slicing objectives (HSO, While et al. 2006):
 * fine for the front sizes a design space exploration produces (hundreds of points, 2–4 objectives).
 */

/** Points strictly better than `ref` in every objective; others contribute nothing. */
function insideRef(points: number[][], ref: number[]): number[][] {
  return points.filter((p) => p.every((v, i) => v < ref[i]));
}

/** Exact 2-D hypervolume: sort by the first objective, sum the rectangles of the staircase. */
export function hypervolume2d(points: number[][], ref: [number, number]): number {
  const pts = insideRef(points, ref).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let hv = 0, bestY = ref[1];
  for (const [x, y] of pts) {
    if (y < bestY) { hv += (ref[0] - x) * (bestY - y); bestY = y; }
  }
  return hv;
}

/** Exact hypervolume in any dimension by slicing along the last objective. */
export function hypervolume(points: number[][], ref: number[]): number {
  const d = ref.length;
  const pts = insideRef(points, ref);
  if (pts.length === 0) return 0;
  if (d === 1) return ref[0] - Math.min(...pts.map((p) => p[0]));
  if (d === 2) return hypervolume2d(pts, [ref[0], ref[1]]);
  const sorted = [...pts].sort((a, b) => a[d - 1] - b[d - 1]);
  let hv = 0;
  for (let i = 0; i < sorted.length; i++) {
    const lo = sorted[i][d - 1];
    const hi = i + 1 < sorted.length ? sorted[i + 1][d - 1] : ref[d - 1];
    if (hi <= lo) continue;
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1));
    hv += (hi - lo) * hypervolume(slice, ref.slice(0, d - 1));
  }
  return hv;
}
