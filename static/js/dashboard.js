// Supervisor dashboard: draws the three charts from the page's json_script data (#dashboard-charts)
// with the locally served ECharts. Every label comes from the data, translated on the server; the
// table under each chart has the same numbers, so the charts are hidden from screen readers
// (aria-hidden in the template) and stay hidden where this script does not run.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof window.echarts === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const ink = colour("--ink", "#1f2933");
  const muted = colour("--muted", "#5f6b7a");
  const line = colour("--line", "#d9dee5");
  const font = getComputedStyle(document.body).fontFamily;
  const charts = [];

  function base(chart) {
    return {
      textStyle: { fontFamily: font, color: ink },
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      legend: { show: chart.series.length > 1, top: 0, textStyle: { color: ink } },
    };
  }

  // Cases received per week: one bar per week, stacked by mode (colours of the site's mode tags).
  function weekly(chart) {
    return Object.assign(base(chart), {
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: chart.categories, axisLabel: { color: muted, hideOverlap: true } },
      yAxis: {
        type: "value", minInterval: 1, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } },
      },
      series: chart.series.map((series) => ({
        type: "bar", stack: "modes", name: series.name, data: series.data,
        itemStyle: { color: colour("--" + series.key, undefined) },
      })),
    });
  }

  // Per office: horizontal bars, so long office names stay readable on a phone.
  function perOffice(chart, element) {
    const suffix = chart.percent ? "%" : "";
    const labelWidth = Math.round(Math.min(180, element.clientWidth * 0.34));
    return Object.assign(base(chart), {
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      xAxis: {
        type: "value", min: 0, max: chart.percent ? 100 : null, interval: chart.percent ? 25 : null, splitNumber: 4,
        axisLabel: { color: muted, hideOverlap: true, formatter: "{value}" + suffix },
        splitLine: { lineStyle: { color: line } },
      },
      yAxis: {
        type: "category", data: chart.categories, inverse: true,
        axisLabel: { color: ink, width: labelWidth, overflow: "break" },
      },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, valueFormatter: (v) => v + suffix },
      series: [{
        type: "bar", name: chart.series[0].name, data: chart.series[0].data, barMaxWidth: 28,
        itemStyle: { color: colour("--link", "#0b5cad") },
        label: { show: true, position: "right", color: ink, formatter: (p) => p.value + suffix },
      }],
    });
  }

  const builders = { weekly: weekly, on_time: perOffice, working_days: perOffice };
  document.querySelectorAll("[data-chart]").forEach((element) => {
    const chart = data[element.dataset.chart];
    const build = builders[element.dataset.chart];
    if (!chart || !build) {
      return;
    }
    element.hidden = false;  // before init: a hidden element has no size to draw in
    if (element.dataset.chart !== "weekly") {
      // One bar per office: the chart grows with the offices instead of squeezing them.
      element.style.height = Math.max(160, 56 + chart.categories.length * 44) + "px";
    }
    const instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(build(chart, element));
    charts.push(instance);
  });

  let pending = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => charts.forEach((instance) => instance.resize()), 100);
  });
})();
