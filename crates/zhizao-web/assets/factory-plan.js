// The factory plan's Gantt chart: one row per resource, one bar per operation (coloured by
// order; fixed operations outlined; change-overs hatched before their bar), the current time
// as a line. The data is the page's JSON block; the tables below work without it.
(function () {
  "use strict";
  var element = document.getElementById("gantt");
  var source = document.getElementById("plan-data");
  if (!element || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#1f6fb2", "#2f9e6f", "#d9822b", "#8e5cc2", "#c2415d", "#3aa3a3", "#8a7a2f", "#5470c6"];
  var orders = {};
  data.ops.forEach(function (op) { if (!(op[3] in orders)) { orders[op[3]] = Object.keys(orders).length; } });
  function shanghai(ms) {
    return new Date(ms + 8 * 3600 * 1000).toISOString().replace("T", " ").slice(0, 16);
  }
  element.style.height = Math.max(240, data.resources.length * 22 + 80) + "px";
  var chart = window.echarts.init(element);
  chart.setOption({
    animation: false,
    tooltip: {
      formatter: function (p) {
        var op = p.value;
        return op[3] + " · " + data.lot + " " + op[4] + " · " + data.step + " " + op[5] + " " + op[8] +
          "<br>" + data.resources[op[0]] + " · " + shanghai(op[1]) + " – " + shanghai(op[2]) +
          (op[7] > 0 ? "<br>" + data.setup + " " + op[7] + " min" : "") + (op[6] ? "<br>" + data.fixed : "");
      }
    },
    grid: { left: 90, right: 20, top: 20, bottom: 70 },
    xAxis: { type: "time", min: data.from, axisLabel: { formatter: function (v) { return shanghai(v).slice(5); } } },
    yAxis: { type: "category", data: data.resources, inverse: true, axisLabel: { fontSize: 11 } },
    dataZoom: [{ type: "slider", xAxisIndex: 0, filterMode: "weakFilter" }, { type: "inside", xAxisIndex: 0, filterMode: "weakFilter" },
      { type: "slider", yAxisIndex: 0, right: 0, width: 14, filterMode: "weakFilter" }],
    series: [{
      type: "custom",
      encode: { x: [1, 2], y: 0 },
      data: data.ops,
      renderItem: function (params, api) {
        var row = api.value(0);
        var start = api.coord([api.value(1), row]);
        var end = api.coord([api.value(2), row]);
        var setupStart = api.coord([api.value(1) - api.value(7) * 60000, row]);
        var height = api.size([0, 1])[1] * 0.7;
        var order = data.ops[params.dataIndex][3];
        var children = [];
        if (api.value(7) > 0) {
          children.push({ type: "rect", shape: { x: setupStart[0], y: start[1] - height / 2, width: start[0] - setupStart[0], height: height },
            style: { fill: "#d0d4da" } });
        }
        children.push({ type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: Math.max(1, end[0] - start[0]), height: height },
          style: { fill: palette[orders[order] % palette.length], stroke: api.value(6) ? "#111" : null, lineWidth: api.value(6) ? 2 : 0 } });
        return { type: "group", children: children };
      }
    }, {
      type: "line", data: [], markLine: { silent: true, symbol: "none", lineStyle: { color: "#c00" },
        data: [{ xAxis: data.now, label: { formatter: data.nowLabel } }] }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
