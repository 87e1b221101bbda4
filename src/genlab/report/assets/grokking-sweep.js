const D = JSON.parse(document.getElementById("genlab-data").textContent);
const phase = document.getElementById("phase");
Plotly.newPlot(phase, D.figure.data, D.figure.layout, {displayModeBar: false, responsive: true}).then(() => {
  phase.on("plotly_click", event => {
    const [row, col] = event.points[0].pointNumber;
    const link = D.links[row][col];
    if (link) window.location.href = link;
  });
  document.body.dataset.rendered = "1";
});
