const D = JSON.parse(document.getElementById("genlab-data").textContent);
function unpack(packed) {
  const bytes = atob(packed.b64), out = new Float32Array(bytes.length), scale = (packed.hi - packed.lo) / 255;
  for (let i = 0; i < bytes.length; i++) out[i] = packed.lo + scale * bytes.charCodeAt(i);
  return out;
}
for (const [id, fig] of Object.entries(D.figures)) Plotly.newPlot(id, fig.data, fig.layout, OPTIONS);
const stars = D.stars.map(s => unpack(s.xy));
const weights = D.weights ? unpack(D.weights.abs) : null;
const slider = genlabStepper(D.steps, i => {
  const step = D.steps[i], h = D.history[D.records[i]];
  let text = `step ${step} of ${D.last_step}: train accuracy ${percent(h.train_acc)}, test accuracy ${percent(h.test_acc)}`;
  if (h.key_energy_share != null) text += `, energy in the 5 strongest frequencies ${percent(h.key_energy_share)}`;
  if (h.relevant_weight_share != null) text += `, |w| on relevant bits ${percent(h.relevant_weight_share)}`;
  document.getElementById("step-text").textContent = text;
  const draws = D.cursor_plots.map(id => Plotly.relayout(id, {"shapes[0].x0": step, "shapes[0].x1": step}));
  stars.forEach((xy, j) => {
    const x = new Array(D.p + 1), y = new Array(D.p + 1);
    for (let a = 0; a <= D.p; a++) { const k = 2 * (i * D.p + a % D.p); x[a] = xy[k]; y[a] = xy[k + 1]; }
    draws.push(Plotly.restyle(`star-${j}`, {x: [x], y: [y]}, [0]));
  });
  if (D.spectra) draws.push(Plotly.restyle("spectrum", {y: [D.spectra[i]]}, [0]));
  if (weights) {
    const {units, bits} = D.weights, z = [];
    for (let u = 0; u < units; u++) z.push(Array.from(weights.subarray((i * units + u) * bits, (i * units + u + 1) * bits)));
    draws.push(Plotly.restyle("weights", {z: [z]}, [0]));
  }
  return draws;
});
let timer = null;
const play = document.getElementById("play");
play.addEventListener("click", () => {
  if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
  if (Number(slider.value) >= D.steps.length - 1) window.genlabSetStep(0);
  play.textContent = "❚❚ pause";
  timer = setInterval(() => {
    const next = Number(slider.value) + 1;
    if (next >= D.steps.length) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
    window.genlabSetStep(next);
  }, 200);
});
window.genlabSetStep(Number(slider.value));
