// The OEE page's charts: OEE and its three factors by period as lines, and the losses as a
// Pareto chart (hours as bars, the cumulative share as a line). The data is the page's JSON
// block; the tables on the page say the same without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("oee-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#1f6fb2", "#2f9e6f", "#d9822b", "#8e5cc2"];
  var trend = document.getElementById("oee-trend");
  if (trend && data.periods.length > 0) {
    trend.style.height = "300px";
    var keys = ["oee", "availability", "effectiveness", "quality"];
    window.echarts.init(trend).setOption({
      animation: false,
      color: colours,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: data.labels },
      grid: { left: 50, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: data.periods, axisLabel: { rotate: data.periods.length > 8 ? 40 : 0 } },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}" } },
      series: keys.map(function (key, i) {
        return { name: data.labels[i], type: "line", data: data[key], connectNulls: false, symbolSize: 5,
          lineStyle: { width: i === 0 ? 3 : 1.5 } };
      })
    });
  }
  var pareto = document.getElementById("oee-pareto");
  if (pareto && data.losses.length > 0) {
    pareto.style.height = "320px";
    window.echarts.init(pareto).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [data.hoursLabel, data.cumulativeLabel] },
      grid: { left: 50, right: 50, top: 40, bottom: 90 },
      xAxis: { type: "category", data: data.losses, axisLabel: { interval: 0, rotate: 30, fontSize: 11 } },
      yAxis: [{ type: "value", name: data.hoursLabel }, { type: "value", max: 100, name: "%" }],
      series: [
        { name: data.hoursLabel, type: "bar", data: data.lossHours, itemStyle: { color: "#c2415d" } },
        { name: data.cumulativeLabel, type: "line", yAxisIndex: 1, data: data.cumulative, itemStyle: { color: "#1f6fb2" } }
      ]
    });
  }
  window.addEventListener("resize", function () {
    [trend, pareto].forEach(function (el) {
      var chart = el && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
