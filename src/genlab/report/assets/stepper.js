// Shared by the explorable pages: a slider over recorded steps that redraws the page.
const OPTIONS = {displayModeBar: false, responsive: true};
const percent = v => v == null ? "n/a" : (100 * v).toFixed(1) + "%";
// genlabStepper(steps, draw): window.genlabSetStep(i) clamps i, moves the slider, awaits the
// promises draw(i) returns, then marks body[data-rendered-step] (what the browser tests wait for).
function genlabStepper(steps, draw) {
  const slider = document.getElementById("step-slider");
  let wanted = null;
  window.genlabRedraws = 0;
  window.genlabSetStep = function (i) {
    i = Math.max(0, Math.min(steps.length - 1, Math.round(i)));
    slider.value = i;
    wanted = i;
    return Promise.all(draw(i)).then(() => {
      if (wanted !== i) return;
      document.body.dataset.renderedStep = String(steps[i]);
      window.genlabRedraws += 1;
    });
  };
  slider.addEventListener("input", () => window.genlabSetStep(Number(slider.value)));
  return slider;
}
