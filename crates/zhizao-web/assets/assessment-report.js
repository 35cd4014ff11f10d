// The assessment report's radar chart of the capability domains (0-5). The data is the page's
// JSON block; the table beside it says the same without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("radar-data");
  var target = document.getElementById("radar");
  if (!source || !target || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  if (data.indicators.length < 3) { return; }
  target.style.height = "360px";
  window.echarts.init(target).setOption({
    animation: false,
    tooltip: {},
    radar: { indicator: data.indicators, radius: "62%", axisName: { color: "#333", fontSize: 11 } },
    series: [{
      type: "radar",
      data: [{ value: data.values, name: data.label, areaStyle: { opacity: 0.25 } }],
      itemStyle: { color: "#1f6fb2" }
    }]
  });
}());
