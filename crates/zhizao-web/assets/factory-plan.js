// The factory plan's Gantt chart: one row per resource, one bar per operation (coloured by
// order; fixed operations outlined; change-overs hatched before their bar), the current time
// as a line. Dragging a bar to another row or time adds a pin for that operation to the plan
// form (start rounded to five minutes), which the next "Plan now" holds; the chart pans with
// the slider or with Shift held. The data is the page's JSON block; the tables and the pin form
// work without it.
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
    dataZoom: [{ type: "slider", xAxisIndex: 0, filterMode: "weakFilter" },
      { type: "inside", xAxisIndex: 0, filterMode: "weakFilter", moveOnMouseMove: "shift" },
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

  // Drag to pin.
  var pins = document.getElementById("pins");
  var status = document.getElementById("pin-status");
  if (!pins || !data.canPin) { return; }
  var dragging = null;
  function at(x, y) { return chart.convertFromPixel({ seriesIndex: 0 }, [x, y]); }
  chart.on("mousedown", { seriesIndex: 0 }, function (params) {
    dragging = { op: data.ops[params.dataIndex], x: params.event.offsetX, y: params.event.offsetY };
  });
  chart.getZr().on("mousemove", function (event) {
    if (!dragging) { return; }
    var op = dragging.op;
    var width = Math.max(4, chart.convertToPixel({ seriesIndex: 0 }, [op[2], op[0]])[0] -
      chart.convertToPixel({ seriesIndex: 0 }, [op[1], op[0]])[0]);
    chart.setOption({ graphic: [{ id: "ghost", type: "rect", silent: true,
      shape: { x: event.offsetX - width / 2, y: event.offsetY - 7, width: width, height: 14 },
      style: { fill: "rgba(31,111,178,0.35)", stroke: "#1f6fb2" } }] });
  });
  chart.getZr().on("mouseup", function (event) {
    if (!dragging) { return; }
    var drag = dragging;
    dragging = null;
    chart.setOption({ graphic: [{ id: "ghost", $action: "remove" }] });
    if (Math.abs(event.offsetX - drag.x) + Math.abs(event.offsetY - drag.y) < 4) { return; }
    var row = Math.round(at(event.offsetX, event.offsetY)[1]);
    if (!(row >= 0 && row < data.resources.length)) { return; }
    // The bar's start moves by as much time as the pointer did, rounded to five minutes.
    var five = 5 * 60000;
    var start = drag.op[1] + at(event.offsetX, event.offsetY)[0] - at(drag.x, drag.y)[0];
    var op = drag.op;
    var line = [op[3], op[4], op[5], data.resources[row], shanghai(Math.round(start / five) * five)].join(" ");
    // One pin per operation: a new drag replaces its earlier pin.
    var kept = pins.value.split("\n").filter(function (l) {
      var f = l.trim().split(/\s+/);
      return l.trim() && !(f[0] === op[3] && f[1] === String(op[4]) && f[2] === String(op[5]));
    });
    kept.push(line);
    pins.value = kept.join("\n");
    if (status) { status.textContent = data.pinAdded + " " + line; }
  });
})();
