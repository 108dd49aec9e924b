// Draws a report's charts and tables from its JSON block (ChartReportPage), with the shared chart module.
(function () {
  'use strict';
  var block = document.getElementById('kc-report-data');
  if (!block || !window.KeelsonChart) { return; }
  var data = JSON.parse(block.textContent);
  (data.charts || []).forEach(function (chart) {
    var element = document.getElementById(chart.container);
    if (element) { window.KeelsonChart.timeSeries(element, chart); }
  });
  (data.tables || []).forEach(function (table) {
    var element = document.getElementById(table.container);
    if (element) { window.KeelsonChart.sortableTable(element, table); }
  });
})();
