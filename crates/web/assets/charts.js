// Draws the ECharts chart described by each element's `data-chart` JSON. Every chart sits beside
// a table with the same numbers (for screen readers, printing and export), so without ECharts the
// page loses nothing but the picture.
(function () {
  "use strict";
  const palette = ["#2f6fde", "#e8793a", "#34a37a", "#c8455c", "#7a5bd6", "#b49a2d", "#4aa3c9"];

  // Category labels on a narrow chart: all of a few are kept and turned aslant when they would
  // run into each other (score bins on a phone); of many (24 hours) ECharts keeps those that fit.
  function categoryLabels(labels, width) {
    const chars = labels.reduce((n, l) => n + String(l).length, 0);
    const crowded = chars * 7 + labels.length * 8 > width - 60;
    if (!crowded) return { interval: 0, fontSize: 11 };
    return labels.length <= 12 ? { interval: 0, rotate: 40, fontSize: 11 } : { interval: "auto", fontSize: 11 };
  }

  function option(spec, width) {
    const base = { color: palette, grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true }, tooltip: {} };
    switch (spec.kind) {
      case "bar":
        return Object.assign(base, {
          xAxis: { type: "category", data: spec.labels, axisLabel: categoryLabels(spec.labels, width) },
          yAxis: { type: "value", minInterval: 1, name: spec.unit || "" },
          series: [{ type: "bar", name: spec.name || "", data: spec.values, barMaxWidth: 36 }],
        });
      case "line":
        return Object.assign(base, {
          xAxis: { type: "category", data: spec.labels, axisLabel: categoryLabels(spec.labels, width) },
          yAxis: { type: "value", min: 0, max: 100, name: "%" },
          series: (spec.series || [{ name: spec.name || "", data: spec.values }]).map((s) => ({
            type: "line", name: s.name, data: s.data, connectNulls: true, symbolSize: 7,
          })),
          legend: spec.series ? { top: 0 } : undefined,
        });
      case "scatter":
        return Object.assign(base, {
          tooltip: { formatter: (p) => p.data[2] + "：" + p.data[1].toFixed(0) + "% · " + p.data[0].toFixed(1) + " " + (spec.xName || "min") },
          xAxis: { type: "value", name: spec.xName || "min", min: 0 },
          yAxis: { type: "value", name: "%", min: 0, max: 100 },
          series: [{ type: "scatter", data: spec.points, symbolSize: 10 }],
        });
      case "workload": {
        const series = spec.series.map((s) => ({ type: "bar", name: s.name, data: s.data, barMaxWidth: 28 }));
        if (spec.limit !== null && spec.limit !== undefined && series.length) {
          series[0].markLine = {
            symbol: "none", lineStyle: { type: "dashed", color: "#c8455c" },
            data: [{ yAxis: spec.limit, name: spec.limitLabel }], label: { position: "insideEndTop", formatter: spec.limitLabel + " {c}" },
          };
        }
        return Object.assign(base, {
          legend: { top: 0 }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: spec.dates, axisLabel: categoryLabels(spec.dates, width) },
          // The axis reaches the limit, so its dashed line shows on a light week too.
          yAxis: { type: "value", name: spec.unit || "min", minInterval: 1, max: (v) => Math.max(v.max, spec.limit || 0) },
          series,
        });
      }
      case "hbar": {
        // Mastery per knowledge point: the weakest on top, coloured by level.
        const levelColour = { mastered: "#34a37a", basic: "#b49a2d", weak: "#c8455c" };
        return Object.assign(base, {
          grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value", min: 0, max: 100, name: spec.unit || "" },
          yAxis: { type: "category", inverse: true, data: spec.labels, axisLabel: { width: Math.max(80, width * 0.4), overflow: "truncate", fontSize: 11 } },
          series: [{
            type: "bar", name: spec.name || "", barMaxWidth: 18,
            data: spec.values.map((v, i) => ({ value: v, itemStyle: { color: levelColour[(spec.levels || [])[i]] || palette[0] } })),
            label: { show: true, position: "right", formatter: "{c}%", fontSize: 11 },
          }],
        });
      }
      case "heatmap":
        // Students × knowledge points, probability of mastery in percent.
        return Object.assign(base, {
          grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
          tooltip: { formatter: (p) => spec.y[p.data[1]] + " · " + spec.x[p.data[0]] + "：" + p.data[2] + "%" },
          xAxis: { type: "category", data: spec.x, axisLabel: { interval: 0, rotate: 40, fontSize: 10, width: 90, overflow: "truncate" }, splitArea: { show: true } },
          yAxis: { type: "category", inverse: true, data: spec.y, axisLabel: { fontSize: 10 }, splitArea: { show: true } },
          visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
            inRange: { color: ["#c8455c", "#f2c14e", "#34a37a"] }, text: ["100%", "0%"] },
          series: [{ type: "heatmap", name: spec.name || "", data: spec.data, label: { show: spec.x.length <= 12, fontSize: 9 } }],
        });
      default:
        return null;
    }
  }

  function draw() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach((el) => {
      let spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      const opt = option(spec, el.clientWidth || 320);
      if (!opt) return;
      const chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(opt);
      el.setAttribute("data-drawn", "true");
      window.addEventListener("resize", () => chart.resize());
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
