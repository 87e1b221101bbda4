const D = JSON.parse(document.getElementById("genlab-data").textContent);
for (const [id, fig] of Object.entries(D.figures)) Plotly.newPlot(id, fig.data, fig.layout, OPTIONS);
const slider = genlabStepper(D.steps, i => {
  const step = D.steps[i];
  const parts = D.objectives.map(o => {
    const curve = D.curves[o], c = curve[Math.min(i, curve.length - 1)];
    return `${o} ${percent(c.full_path)}`;
  });
  document.getElementById("step-text").textContent = `step ${step} of ${D.last_step}: full-path accuracy ` + parts.join(", ");
  const draws = [Plotly.relayout("full-path", {"shapes[0].x0": step, "shapes[0].x1": step})];
  D.objectives.forEach((o, j) => {
    const curve = D.curves[o], c = curve[Math.min(i, curve.length - 1)];
    const ys = c.teacher_forced == null ? [c.per_position] : [c.per_position, c.teacher_forced];
    draws.push(Plotly.restyle(`positions-${j}`, {y: ys}, ys.map((_, k) => k)));
  });
  return draws;
});
window.genlabSetStep(Number(slider.value));
