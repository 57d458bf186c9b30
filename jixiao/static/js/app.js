// Page behaviour without inline scripts (the Content-Security-Policy allows none).
// Charts: an element with data-chart="ID" is drawn from the JSON in <script id="ID" type="application/json">.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chart]").forEach((el) => {
    if (!window.echarts) return;
    const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    const chart = window.echarts.init(el);
    chart.setOption({
      tooltip: {},
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", name: spec.unit || "万元" },
      series: [{ type: "bar", data: spec.values.map(Number) }],
    });
  });
  // Confirm dangerous actions: <button data-confirm="…">.
  document.body.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-confirm]");
    if (btn && !window.confirm(btn.dataset.confirm)) e.preventDefault();
  });
});
