// The device page (live values, charts, commands) and the SQL console.
(function () {
  "use strict";

  function api(method, path, csrf, body) {
    // Problems come back in the page's language.
    var headers = { "Accept": "application/json", "Accept-Language": document.documentElement.lang || "zh-CN" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (csrf) { headers["X-CSRF-Token"] = csrf; }
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
  }

  // A problem as the page's reader reads it: the field messages and the title are in the page's
  // language; the detail is English, so it is added only on English pages.
  function problemText(reply, json) {
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    if (json && json.errors && json.errors.length) {
      return json.errors.map(function (e) { return e.message; }).join(english ? "; " : "；");
    }
    if (json && json.title) {
      return english && json.detail ? json.title + ": " + json.detail : json.title;
    }
    return String(reply.status);
  }

  function shanghai(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);
    return d.toISOString().replace("T", " ").slice(0, 19);
  }

  var device = document.getElementById("device");
  if (device) {
    var name = device.getAttribute("data-name");
    var csrf = device.getAttribute("data-csrf");
    var base = "/api/v1/devices/" + encodeURIComponent(name);

    // Latest values, pushed by the server.
    if (window.EventSource) {
      var source = new EventSource(base + "/live");
      source.addEventListener("latest", function (event) {
        var latest = JSON.parse(event.data);
        var body = document.getElementById("latest");
        latest.values.forEach(function (v) {
          var row = body.querySelector('tr[data-field="' + CSS.escape(v.field) + '"]');
          if (!row) {
            row = document.createElement("tr");
            row.setAttribute("data-field", v.field);
            row.innerHTML = '<td><span class="label"></span> <span class="mono muted"></span></td><td class="mono value"></td><td translate="no"></td><td class="mono time"></td>';
            row.children[0].children[0].textContent = v.label || "";
            row.children[0].children[1].textContent = v.field;
            row.children[2].textContent = v.unit;
            body.appendChild(row);
          }
          var cell = row.querySelector(".value");
          var text = typeof v.value === "string" ? v.value : JSON.stringify(v.value);
          if (cell.textContent !== text) {
            cell.textContent = text;
            cell.classList.remove("flash"); void cell.offsetWidth; cell.classList.add("flash");
          }
          row.querySelector(".time").textContent = shanghai(v.time_ms);
        });
      });
    }

    // Charts from server-side downsampled series.
    var chartElement = document.getElementById("chart");
    if (chartElement && window.echarts) {
      var chart = window.echarts.init(chartElement);
      var fieldSelect = document.getElementById("chart-field");
      var rangeSelect = document.getElementById("chart-range");
      var draw = function () {
        var to = Date.now();
        var from = to - Number(rangeSelect.value);
        var url = base + "/series?field=" + encodeURIComponent(fieldSelect.value) +
          "&from=" + from + "&to=" + to + "&points=600";
        api("GET", url).then(function (reply) { return reply.json(); }).then(function (series) {
          var points = series.points || [];
          chart.setOption({
            animation: false,
            title: points.length ? undefined : { text: device.getAttribute("data-no-data"), left: "center", top: "middle", textStyle: { color: "#888", fontSize: 14 } },
            tooltip: { trigger: "axis" },
            grid: { left: 60, right: 20, top: 20, bottom: 60 },
            xAxis: { type: "time", min: series.from_ms, max: series.to_ms },
            yAxis: { type: "value", name: series.unit, scale: true },
            dataZoom: [{ type: "inside" }, { type: "slider" }],
            series: [
              { name: "avg", type: "line", showSymbol: false, data: points.map(function (p) { return [p[0], p[1]]; }) },
              { name: "min", type: "line", showSymbol: false, lineStyle: { opacity: 0.3 }, data: points.map(function (p) { return [p[0], p[2]]; }) },
              { name: "max", type: "line", showSymbol: false, lineStyle: { opacity: 0.3 }, data: points.map(function (p) { return [p[0], p[3]]; }) }
            ]
          }, true);
        });
      };
      fieldSelect.addEventListener("change", draw);
      rangeSelect.addEventListener("change", draw);
      window.addEventListener("resize", function () { chart.resize(); });
      draw();
      setInterval(draw, 30000);
    }

    // Commands.
    var form = document.getElementById("command-form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var output = document.getElementById("command-response");
      var params;
      try { params = JSON.parse(document.getElementById("command-params").value || "{}"); }
      catch (e) { output.textContent = e.message; return; }
      output.textContent = "…";
      api("POST", base + "/rpc", csrf, { method: document.getElementById("command-method").value, params: params })
        .then(function (reply) {
          return reply.json().then(function (json) {
            output.textContent = reply.ok ? JSON.stringify(json.response) : problemText(reply, json);
          });
        });
    });
  }

  // The SQL console: the result is paged in the page (the download keeps every row), times are
  // shown in Beijing time like the rest of the site, and fractions are rounded for reading.
  var sqlForm = document.getElementById("sql-form");
  if (sqlForm) {
    var PAGE_ROWS = 100;
    var words = function (name) { return sqlForm.getAttribute("data-" + name) || ""; };
    var run = function (format) {
      var body = { sql: document.getElementById("sql").value, database: document.getElementById("database").value, format: format };
      return api("POST", "/api/v1/query", sqlForm.getAttribute("data-csrf"), body);
    };
    var error = document.getElementById("sql-error");
    var summary = document.getElementById("sql-summary");
    var pager = document.getElementById("sql-pager");
    var table = document.getElementById("sql-result");
    var utcTime = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]00:?00)?$/;
    var fraction = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3, useGrouping: false });
    var cellText = function (v) {
      if (v === null || v === undefined) { return ""; }
      if (typeof v === "number") { return Number.isInteger(v) ? String(v) : fraction.format(v); }
      if (typeof v === "string") {
        var m = utcTime.exec(v);
        if (m) {
          var ms = Date.parse(m[1] + "T" + m[2] + (m[3] ? m[3].slice(0, 4) : "") + "Z");
          if (!isNaN(ms)) { return shanghai(ms) + (m[3] && Number(m[3]) !== 0 ? m[3].slice(0, 4) : ""); }
        }
        return v;
      }
      return JSON.stringify(v);
    };
    var rows = [], columns = [], page = 0, elapsed = 0;
    var show = function () {
      table.tHead.innerHTML = ""; table.tBodies[0].innerHTML = "";
      var head = table.tHead.insertRow();
      columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c; head.appendChild(th); });
      var first = page * PAGE_ROWS;
      rows.slice(first, first + PAGE_ROWS).forEach(function (row) {
        var tr = table.tBodies[0].insertRow();
        columns.forEach(function (c) {
          var td = tr.insertCell();
          var v = row[c];
          if (typeof v === "number") { td.className = "num"; }
          td.textContent = cellText(v);
        });
      });
      var last = Math.min(first + PAGE_ROWS, rows.length);
      summary.textContent = words("rows").replace("{n}", rows.length) +
        (rows.length > PAGE_ROWS ? words("showing").replace("{from}", first + 1).replace("{to}", last) : "") +
        " · " + elapsed + " ms · " + words("time-zone");
      pager.hidden = rows.length <= PAGE_ROWS;
      document.getElementById("sql-previous").disabled = page === 0;
      document.getElementById("sql-next").disabled = last >= rows.length;
    };
    var clear = function () {
      rows = []; columns = []; page = 0;
      table.tHead.innerHTML = ""; table.tBodies[0].innerHTML = "";
      summary.textContent = ""; pager.hidden = true;
    };
    document.getElementById("sql-previous").addEventListener("click", function () { if (page > 0) { page -= 1; show(); } });
    document.getElementById("sql-next").addEventListener("click", function () { if ((page + 1) * PAGE_ROWS < rows.length) { page += 1; show(); } });
    sqlForm.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      clear();
      summary.textContent = words("running");
      var started = performance.now();
      run("json").then(function (reply) {
        return reply.json().then(function (json) {
          if (!reply.ok) { clear(); error.textContent = problemText(reply, json); error.hidden = false; return; }
          rows = json; columns = json.length ? Object.keys(json[0]) : []; page = 0;
          elapsed = Math.round(performance.now() - started);
          show();
        });
      }).catch(function (e) { clear(); error.textContent = String(e); error.hidden = false; });
    });
    document.getElementById("sql-csv").addEventListener("click", function () {
      error.hidden = true;
      run("csv").then(function (reply) {
        if (!reply.ok) { return reply.json().then(function (json) { error.textContent = problemText(reply, json); error.hidden = false; }); }
        return reply.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = "query.csv";
          link.click();
        });
      });
    });
  }
})();
