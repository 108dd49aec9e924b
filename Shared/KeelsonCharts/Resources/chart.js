/*
 * KeelsonChart — self-contained SVG charts and sortable tables for Keelson.
 *
 * Used by the dashboard (served under a strict CSP: no inline styles, no eval)
 * and inlined into single-file backtest/optimiser reports opened from disk.
 * Hence: plain ES2019, no imports, no network, one global (window.KeelsonChart).
 *
 * CSP rules followed throughout:
 *   - text coming from data is only ever assigned through textContent;
 *   - no innerHTML, no style attributes; positioning uses the CSSOM (el.style.x)
 *     and SVG geometry/presentation attributes; colours live in chart.css.
 */
(function (global) {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN, DAY = 24 * HOUR;
  var instanceCounter = 0; // keeps clipPath ids unique when several charts share a page

  // ---------------------------------------------------------------- DOM helpers
  function h(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function s(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG_NS, tag);
    for (var k in attrs) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  // ---------------------------------------------------------------- formatting
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function ymd(d) { return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }
  function hm(d) { return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()); }
  function hms(d) { return hm(d) + ':' + pad(d.getUTCSeconds()); }

  function formatTime(t) {
    var d = new Date(Number(t));
    if (isNaN(d.getTime())) return '';
    return ymd(d) + ' ' + hms(d) + ' UTC';
  }

  // Decimal strings are shown exactly as given (they carry the exchange's
  // precision); plain numbers get a precision that suits their magnitude.
  function formatValue(v) {
    if (typeof v === 'string') return v;
    if (typeof v !== 'number' || !isFinite(v)) return '\u2013';
    var a = Math.abs(v), str = v.toFixed(a >= 1000 ? 2 : a >= 1 ? 4 : 8);
    if (str.indexOf('.') >= 0) str = str.replace(/0+$/, '').replace(/\.$/, '');
    return str;
  }

  // ---------------------------------------------------------------- value ticks
  // Picks a 1/2/2.5/5 × 10^k step giving at most 6 ticks and widens the domain
  // to whole steps, so the top and bottom grid lines carry labels.
  function niceTicks(lo, hi) {
    if (!(hi > lo)) { var p = Math.abs(lo) * 0.05 || 1; lo -= p; hi += p; }
    var mag = Math.pow(10, Math.floor(Math.log10((hi - lo) / 5)));
    var mults = [1, 2, 2.5, 5, 10, 20, 25, 50], step = mag, a = 0, b = 0;
    for (var i = 0; i < mults.length; i++) {
      step = mults[i] * mag;
      a = Math.floor(lo / step + 1e-9);
      b = Math.ceil(hi / step - 1e-9);
      if (b - a <= 5) break;
    }
    var ticks = [];
    for (var k = a; k <= b; k++) ticks.push(k * step);
    return { lo: a * step, hi: b * step, step: step, ticks: ticks };
  }

  function valueTickFormatter(step, maxAbs) {
    var div = 1, suffix = '';
    if (maxAbs >= 1e9) { div = 1e9; suffix = 'B'; }
    else if (maxAbs >= 1e6) { div = 1e6; suffix = 'M'; }
    else if (maxAbs >= 1e5) { div = 1e3; suffix = 'k'; }
    // fewest decimals that represent the step exactly (2.5 needs one, 20 none)
    var x = step / div, dp = 0;
    while (dp < 10 && Math.abs(Math.round(x * Math.pow(10, dp)) - x * Math.pow(10, dp)) > 1e-6) dp++;
    return function (v) {
      var r = (v / div).toFixed(dp);
      if (Number(r) === 0) r = (0).toFixed(dp); // never print "-0.00"
      return r + suffix;
    };
  }

  // ---------------------------------------------------------------- time ticks
  var TIME_STEPS = [SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC, 30 * SEC,
    MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
  var MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600];

  // Smallest step whose neighbouring tick labels do not overlap at this plot
  // width (11px digits are ~6.2px wide), and at most ~8 ticks on wide screens.
  function timeTicks(t0, t1, plotW) {
    var span = t1 - t0, pxPerMs = plotW / span, ticks = [], i, t, fmt;
    var labelRoom = function (chars) { return Math.max(chars * 6.2 + 10, plotW / 8); };
    for (i = 0; i < TIME_STEPS.length; i++) {
      var chars = TIME_STEPS[i] < MIN ? 8 : TIME_STEPS[i] < DAY ? 11 : 10;
      if (TIME_STEPS[i] * pxPerMs >= labelRoom(chars)) break;
    }
    if (i < TIME_STEPS.length) {
      var step = TIME_STEPS[i];
      // Epoch milliseconds are UTC-aligned, so multiples of a sub-day step fall
      // on round UTC times. Week steps are shifted to start on Mondays (the
      // epoch, 1970-01-01, was a Thursday).
      var offset = step >= 7 * DAY ? 4 * DAY : 0;
      for (t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) ticks.push(t);
      if (step < MIN) fmt = function (d) { return hms(d); };
      else if (step < DAY) fmt = function (d) { return pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + hm(d); };
      else fmt = ymd;
    } else {
      // Calendar months/years: step through month indices (year*12 + month).
      var k = 0;
      while (k < MONTH_STEPS.length - 1 && MONTH_STEPS[k] * 30.44 * DAY * pxPerMs < labelRoom(MONTH_STEPS[k] < 12 ? 7 : 4)) k++;
      var m = MONTH_STEPS[k], d0 = new Date(t0);
      for (var idx = Math.ceil((d0.getUTCFullYear() * 12 + d0.getUTCMonth()) / m) * m; ; idx += m) {
        t = Date.UTC(Math.floor(idx / 12), idx % 12, 1);
        if (t > t1) break;
        if (t >= t0) ticks.push(t);
      }
      fmt = m < 12 ? function (d) { return ymd(d).slice(0, 7); } : function (d) { return String(d.getUTCFullYear()); };
    }
    return ticks.map(function (tt) { return { t: tt, label: fmt(new Date(tt)) }; });
  }

  function formatRange(t0, t1) {
    var a = new Date(t0), b = new Date(t1);
    return ymd(a) + ' ' + hm(a) + ' \u2013 ' + ymd(b) + ' ' + hm(b) + ' UTC';
  }

  // ---------------------------------------------------------------- data prep
  // Index of the last element <= t (-1 if none). T must be ascending.
  function lastAtOrBefore(T, t) {
    var lo = 0, hi = T.length - 1, ans = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (T[mid] <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  function prepSeries(sr, idx) {
    var pts = (sr.points || []).filter(function (p) {
      return p && p[1] !== null && p[1] !== '' && isFinite(Number(p[0])) && isFinite(Number(p[1]));
    });
    for (var i = 1; i < pts.length; i++) {
      if (Number(pts[i][0]) < Number(pts[i - 1][0])) {
        pts.sort(function (a, b) { return Number(a[0]) - Number(b[0]); }); // filter() made a copy
        break;
      }
    }
    var T = new Float64Array(pts.length), V = new Float64Array(pts.length);
    pts.forEach(function (p, j) { T[j] = Number(p[0]); V[j] = Number(p[1]); });
    return {
      name: sr.name == null ? 'series ' + (idx + 1) : String(sr.name),
      kind: sr.kind === 'area' ? 'area' : 'line',
      cls: 'kc-c' + (idx % 6) + (sr.className ? ' ' + sr.className : ''),
      T: T, V: V, raw: pts.map(function (p) { return p[1]; })
    };
  }

  function prepSpec(spec) {
    spec = spec || {};
    var panels = (spec.panels || []).map(function (p) {
      var series = (p.series || []).map(prepSeries);
      var markers = (p.markers || []).filter(function (m) { return m && isFinite(Number(m.t)); }).map(function (m) {
        var v = m.v == null || m.v === '' ? NaN : Number(m.v);
        if (!isFinite(v) && series.length && series[0].T.length) {
          // no value given: sit the marker on the panel's first series
          var i = lastAtOrBefore(series[0].T, Number(m.t));
          v = series[0].V[Math.max(0, i)];
        }
        return { t: Number(m.t), v: v, kind: m.kind === 'exit' ? 'exit' : 'entry', label: m.label == null ? '' : String(m.label) };
      }).filter(function (m) { return isFinite(m.v); });
      return {
        title: p.title == null ? '' : String(p.title), unit: p.unit == null ? '' : String(p.unit),
        height: Math.max(80, Number(p.height) || 200), series: series, markers: markers,
        hasData: series.some(function (sr) { return sr.T.length > 0; })
      };
    });
    var events = (spec.events || []).filter(function (e) { return e && isFinite(Number(e.t)); })
      .map(function (e) { return { t: Number(e.t), label: e.label == null ? '' : String(e.label) }; });
    // Full time extent over everything that has data.
    var lo = Infinity, hi = -Infinity;
    panels.forEach(function (p) {
      p.series.forEach(function (sr) {
        if (sr.T.length) { lo = Math.min(lo, sr.T[0]); hi = Math.max(hi, sr.T[sr.T.length - 1]); }
      });
      p.markers.forEach(function (m) { lo = Math.min(lo, m.t); hi = Math.max(hi, m.t); });
    });
    if (lo <= hi) events.forEach(function (e) { lo = Math.min(lo, e.t); hi = Math.max(hi, e.t); });
    if (lo === hi) { lo -= 30 * MIN; hi += 30 * MIN; } // a single instant still gets an axis
    return { panels: panels, events: events, extent: lo < hi ? [lo, hi] : null };
  }

  // Indices to draw for T[a..b]. Above ~2 points per pixel, keep only the min
  // and max of each pixel column (in time order) so spikes stay visible.
  function drawIndices(sr, a, b, xOf, plotW) {
    var out = [], i;
    if (b - a + 1 <= 2 * plotW) { for (i = a; i <= b; i++) out.push(i); return out; }
    var col = NaN, iMin = -1, iMax = -1;
    function flush() {
      if (iMin < 0) return;
      if (iMin === iMax) out.push(iMin);
      else { out.push(Math.min(iMin, iMax)); out.push(Math.max(iMin, iMax)); }
    }
    for (i = a; i <= b; i++) {
      var c = Math.floor(xOf(sr.T[i]));
      if (c !== col) { flush(); col = c; iMin = iMax = i; }
      else {
        if (sr.V[i] < sr.V[iMin]) iMin = i;
        if (sr.V[i] > sr.V[iMax]) iMax = i;
      }
    }
    flush();
    return out;
  }

  function r1(x) { return Math.round(x * 10) / 10; }

  // ================================================================ timeSeries
  function timeSeries(container, spec) {
    var uid = ++instanceCounter;
    var root = h('div', 'kc-chart', container);
    var toolbar = h('div', 'kc-toolbar', root);
    var rangeEl = h('span', 'kc-range', toolbar);
    var resetBtn = h('button', 'kc-reset', toolbar, 'Reset zoom');
    resetBtn.type = 'button';
    resetBtn.hidden = true;
    var box = h('div', 'kc-panels', root);
    var readout = h('div', 'kc-readout', root);
    readout.hidden = true;

    var data = prepSpec(spec);
    var zoom = null;      // [t0, t1] while zoomed, kept across update()
    var layout = null;    // geometry of the last render, used by hover/drag
    var hover = null;     // last pointer position, re-applied after re-renders
    var drag = null;      // { x0, x1 } while selecting a range
    var panelEls = [];    // [{ head, svg }] per panel
    var lastWidth = 0, raf = 0, ro = null;

    function render() {
      var width = Math.max(240, Math.floor(root.clientWidth || 600));
      lastWidth = root.clientWidth;
      // Panel elements are reused while the panel count is unchanged, so element
      // references (and the page layout) survive zooms and live updates.
      if (panelEls.length !== data.panels.length) {
        clear(box);
        panelEls = data.panels.map(function () {
          var wrap = h('div', 'kc-panel-wrap', box);
          return { head: h('div', 'kc-panel-head', wrap), svg: s('svg', { 'class': 'kc-panel' }, wrap) };
        });
      }
      var view = zoom || data.extent;
      rangeEl.textContent = view ? formatRange(view[0], view[1]) : '';
      resetBtn.hidden = !zoom;

      // Pass 1: per-panel y domains and tick labels (their width sets the shared left margin).
      var right = 12, top = 8, bottom = 24, maxLabel = 0;
      var models = data.panels.map(function (p) {
        var m = { p: p, lo: Infinity, hi: -Infinity, hasArea: false };
        if (!view || !p.hasData) return m;
        p.series.forEach(function (sr) {
          if (!sr.T.length) return;
          var a = lastAtOrBefore(sr.T, view[0] - 1) + 1, b = lastAtOrBefore(sr.T, view[1]);
          // nothing inside the window: use the neighbouring points the line passes between
          if (a > b) { a = Math.max(0, b); b = Math.min(sr.T.length - 1, a + 1); }
          for (var i = a; i <= b; i++) { m.lo = Math.min(m.lo, sr.V[i]); m.hi = Math.max(m.hi, sr.V[i]); }
          if (sr.kind === 'area') m.hasArea = true;
        });
        p.markers.forEach(function (mk) {
          if (mk.t >= view[0] && mk.t <= view[1]) { m.lo = Math.min(m.lo, mk.v); m.hi = Math.max(m.hi, mk.v); }
        });
        if (m.hasArea) { m.lo = Math.min(m.lo, 0); m.hi = Math.max(m.hi, 0); } // area fills to zero
        var nt = niceTicks(m.lo, m.hi);
        var fmt = valueTickFormatter(nt.step, Math.max(Math.abs(nt.lo), Math.abs(nt.hi)));
        m.lo = nt.lo; m.hi = nt.hi;
        m.yticks = nt.ticks.map(function (v) { var l = fmt(v); maxLabel = Math.max(maxLabel, l.length); return { v: v, label: l }; });
        return m;
      });
      // All panels share the same left edge so the time axis and crosshair line up.
      var left = Math.round(Math.min(90, Math.max(40, maxLabel * 6.6 + 14)));
      var plotW = Math.max(40, width - left - right);
      var xOf = function (t) { return left + (t - view[0]) / (view[1] - view[0]) * plotW; };
      var xticks = view ? timeTicks(view[0], view[1], plotW) : [];

      layout = { view: view, left: left, plotW: plotW, width: width, xOf: xOf, panels: [] };

      // Pass 2: draw.
      models.forEach(function (m, pi) {
        var p = m.p, height = p.height, plotH = height - top - bottom;
        var svg = panelEls[pi].svg;
        panelEls[pi].head.textContent = p.title + (p.unit ? ' (' + p.unit + ')' : '');
        clear(svg);
        svg.setAttribute('width', width);
        svg.setAttribute('height', height);
        svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
        svg.setAttribute('data-title', p.title);
        var entry = { p: p, svg: svg, markers: [] };
        layout.panels.push(entry);
        if (!view || !p.hasData) {
          s('text', { 'class': 'kc-nodata', x: width / 2, y: height / 2 }, svg, 'no data yet');
          return;
        }
        var yOf = function (v) { return top + (m.hi - v) / (m.hi - m.lo) * plotH; };
        var clipId = 'kc-clip-' + uid + '-' + pi;
        s('rect', { x: left, y: top, width: plotW, height: plotH }, s('clipPath', { id: clipId }, s('defs', {}, svg)));

        // grid + axes
        var grid = s('g', { 'class': 'kc-grid' }, svg);
        m.yticks.forEach(function (tk) {
          var y = r1(yOf(tk.v));
          s('line', { x1: left, x2: left + plotW, y1: y, y2: y }, grid);
          s('text', { 'class': 'kc-ytick', x: left - 6, y: y + 4, 'text-anchor': 'end' }, svg, tk.label);
        });
        xticks.forEach(function (tk) {
          var x = r1(xOf(tk.t)), half = tk.label.length * 3.3, anchor = 'middle', tx = x;
          s('line', { x1: x, x2: x, y1: top, y2: top + plotH }, grid);
          // keep edge labels inside the svg instead of clipping them
          if (x + half > width - 2) { anchor = 'end'; tx = width - 2; }
          else if (x - half < 2) { anchor = 'start'; tx = 2; }
          s('text', { 'class': 'kc-xtick', x: tx, y: height - 7, 'text-anchor': anchor }, svg, tk.label);
        });
        s('line', { 'class': 'kc-axis', x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH }, svg);
        // transparent rect so the empty plot area receives pointer events
        s('rect', { 'class': 'kc-hit', x: left, y: top, width: plotW, height: plotH }, svg);

        var plot = s('g', { 'clip-path': 'url(#' + clipId + ')' }, svg);
        if (m.hasArea && m.lo < 0 && m.hi > 0) {
          var y0 = r1(yOf(0));
          s('line', { 'class': 'kc-zero', x1: left, x2: left + plotW, y1: y0, y2: y0 }, plot);
        }
        p.series.forEach(function (sr) {
          if (!sr.T.length) return;
          // one point either side of the window so lines run to the edges
          var a = Math.max(0, lastAtOrBefore(sr.T, view[0])), b = Math.min(sr.T.length - 1, lastAtOrBefore(sr.T, view[1]) + 1);
          var idx = drawIndices(sr, a, b, xOf, plotW), d = [];
          for (var j = 0; j < idx.length; j++) d.push((j ? 'L' : 'M') + r1(xOf(sr.T[idx[j]])) + ',' + r1(yOf(sr.V[idx[j]])));
          var line = d.join('');
          if (sr.kind === 'area' && idx.length) {
            var base = r1(Math.min(top + plotH, Math.max(top, yOf(0))));
            var xa = r1(xOf(sr.T[idx[0]])), xb = r1(xOf(sr.T[idx[idx.length - 1]]));
            s('path', { 'class': 'kc-area-fill ' + sr.cls, d: line + 'L' + xb + ',' + base + 'L' + xa + ',' + base + 'Z' }, plot);
          }
          s('path', { 'class': 'kc-line ' + sr.cls, d: line }, plot);
        });

        // events: dashed line plus a wide invisible stroke that carries the <title> tooltip
        data.events.forEach(function (ev) {
          if (ev.t < view[0] || ev.t > view[1]) return;
          var x = r1(xOf(ev.t)), g = s('g', { 'class': 'kc-event-g' }, svg);
          s('title', {}, g, ev.label);
          s('line', { 'class': 'kc-event-hit', x1: x, x2: x, y1: top, y2: top + plotH }, g);
          s('line', { 'class': 'kc-event', x1: x, x2: x, y1: top, y2: top + plotH }, g);
        });

        // markers: apex on (t, v); entries point up from below, exits point down from above
        var mg = s('g', { 'clip-path': 'url(#' + clipId + ')' }, svg);
        p.markers.forEach(function (mk) {
          if (mk.t < view[0] || mk.t > view[1]) return;
          var x = r1(xOf(mk.t)), y = r1(yOf(mk.v)), dy = mk.kind === 'entry' ? 9 : -9;
          var path = s('path', { 'class': 'kc-marker kc-' + mk.kind, d: 'M' + x + ',' + y + 'l-5,' + dy + 'h10Z' }, mg);
          s('title', {}, path, mk.label);
          entry.markers.push({ x: x, mk: mk });
        });

        entry.cross = s('line', { 'class': 'kc-crosshair kc-off', x1: 0, x2: 0, y1: top, y2: top + plotH }, svg);
        entry.sel = s('rect', { 'class': 'kc-selection kc-off', x: 0, y: top, width: 0, height: plotH }, svg);
      });
      drawSelection();
      showHover();
    }

    // ------------------------------------------------------------ hover read-out
    function inPlot(x) { return layout && layout.view && x >= layout.left && x <= layout.left + layout.plotW; }
    function tOf(x) { var v = layout.view; return v[0] + (x - layout.left) / layout.plotW * (v[1] - v[0]); }

    function hideHover() {
      readout.hidden = true;
      if (layout) layout.panels.forEach(function (e) { if (e.cross) e.cross.classList.add('kc-off'); });
    }

    function swatch(parent, cls, kind) {
      var sv = s('svg', { 'class': 'kc-swatch', width: 14, height: 10, viewBox: '0 0 14 10' }, parent);
      if (kind === 'area') s('rect', { 'class': 'kc-area-fill ' + cls, x: 0, y: 5, width: 14, height: 5 }, sv);
      s('line', { 'class': 'kc-line ' + cls, x1: 0, x2: 14, y1: 5, y2: 5 }, sv);
    }

    function showHover() {
      if (!hover || !inPlot(hover.x)) { hideHover(); return; }
      var t = tOf(hover.x);
      clear(readout);
      h('div', 'kc-ro-time', readout, formatTime(Math.round(t)));
      var many = layout.panels.length > 1;
      layout.panels.forEach(function (e) {
        if (e.cross) { e.cross.setAttribute('x1', hover.x); e.cross.setAttribute('x2', hover.x); e.cross.classList.remove('kc-off'); }
        if (!e.p.hasData) return;
        if (many && e.p.title) h('div', 'kc-ro-panel', readout, e.p.title);
        e.p.series.forEach(function (sr) {
          var i = lastAtOrBefore(sr.T, t), row = h('div', 'kc-ro-row', readout);
          swatch(row, sr.cls, sr.kind);
          h('span', 'kc-ro-name', row, sr.name);
          h('span', 'kc-ro-val', row, i < 0 ? '\u2013' : formatValue(sr.raw[i]) + (e.p.unit ? ' ' + e.p.unit : ''));
        });
        e.markers.forEach(function (m) {
          if (Math.abs(m.x - hover.x) <= 6) h('div', 'kc-ro-marker kc-' + m.mk.kind, readout, (m.mk.kind === 'entry' ? '\u25B2 ' : '\u25BC ') + m.mk.label);
        });
      });
      data.events.forEach(function (ev) {
        if (Math.abs(layout.xOf(ev.t) - hover.x) <= 6) h('div', 'kc-ro-event', readout, '\u2691 ' + ev.label);
      });
      readout.hidden = false;
      // Next to the cursor, flipped to the other side near the edges; above the
      // finger on touch screens so it is not hidden under it.
      var w = readout.offsetWidth, ht = readout.offsetHeight, rw = root.clientWidth, rh = root.clientHeight;
      var x = hover.x + 14 + w > rw ? hover.x - 14 - w : hover.x + 14;
      var y = hover.touch ? hover.y - ht - 40 : hover.y + 14;
      if (hover.touch && y < 0) y = hover.y + 40;
      if (y + ht > rh) y = hover.y - ht - 14;
      readout.style.left = Math.max(0, Math.min(rw - w, x)) + 'px';
      readout.style.top = Math.max(0, y) + 'px';
    }

    // ------------------------------------------------------------ drag to zoom
    function drawSelection() {
      if (!layout) return;
      layout.panels.forEach(function (e) {
        if (!e.sel) return;
        if (!drag || Math.abs(drag.x1 - drag.x0) < 2) { e.sel.classList.add('kc-off'); return; }
        e.sel.setAttribute('x', Math.min(drag.x0, drag.x1));
        e.sel.setAttribute('width', Math.abs(drag.x1 - drag.x0));
        e.sel.classList.remove('kc-off');
      });
    }

    function clampX(x) { return Math.max(layout.left, Math.min(layout.left + layout.plotW, x)); }

    // Listeners live on the persistent panels box (not on the SVGs, which are
    // rebuilt on every render) so a live update() does not break a drag.
    function pointerXY(ev) {
      var br = box.getBoundingClientRect(), rr = root.getBoundingClientRect();
      // box and root share their left edge, so x is valid for both
      return { x: ev.clientX - br.left, y: ev.clientY - rr.top, touch: ev.pointerType === 'touch' };
    }

    function onDown(ev) {
      if (ev.pointerType === 'mouse' && ev.button !== 0) return;
      var pos = pointerXY(ev);
      hover = pos;
      showHover();
      if (!ev.target.closest || !ev.target.closest('svg.kc-panel') || !inPlot(pos.x)) return;
      drag = { x0: pos.x, x1: pos.x };
      if (box.setPointerCapture) box.setPointerCapture(ev.pointerId);
      if (ev.pointerType === 'mouse') ev.preventDefault(); // no text selection while dragging
    }

    function onMove(ev) {
      hover = pointerXY(ev);
      if (drag) { drag.x1 = clampX(hover.x); drawSelection(); }
      showHover();
    }

    function onUp() {
      if (!drag) return;
      var d = drag;
      drag = null;
      drawSelection();
      if (Math.abs(d.x1 - d.x0) < 5) return; // a click or tap, not a selection
      var a = tOf(Math.min(d.x0, d.x1)), b = tOf(Math.max(d.x0, d.x1));
      if (b - a < SEC) { var c = (a + b) / 2; a = c - SEC / 2; b = c + SEC / 2; }
      zoom = [a, b];
      render();
    }

    function onCancel() { drag = null; drawSelection(); }
    function onLeave(ev) { if (ev.pointerType !== 'touch' && !drag) { hover = null; hideHover(); } }
    function resetZoom() { if (zoom) { zoom = null; render(); } }

    box.addEventListener('pointerdown', onDown);
    box.addEventListener('pointermove', onMove);
    box.addEventListener('pointerup', onUp);
    box.addEventListener('pointercancel', onCancel);
    box.addEventListener('pointerleave', onLeave);
    box.addEventListener('dblclick', resetZoom);
    resetBtn.addEventListener('click', resetZoom);

    // ------------------------------------------------------------ resize
    function onResize() {
      if (raf) return;
      raf = requestAnimationFrame(function () {
        raf = 0;
        if (root.clientWidth !== lastWidth) render(); // height changes from our own renders are ignored
      });
    }
    if (global.ResizeObserver) { ro = new ResizeObserver(onResize); ro.observe(root); }
    else global.addEventListener('resize', onResize);

    render();

    return {
      update: function (newSpec) { data = prepSpec(newSpec); render(); },
      destroy: function () {
        if (ro) ro.disconnect(); else global.removeEventListener('resize', onResize);
        if (raf) cancelAnimationFrame(raf);
        if (root.parentNode) root.parentNode.removeChild(root);
        layout = null;
      }
    };
  }

  // ================================================================ sortableTable
  function sortableTable(container, opts) {
    var columns = opts.columns || [], rows = opts.rows || [];
    var sortKey = null, sortDir = 1;
    var wrap = h('div', 'kc-table-wrap', container);
    var table = h('table', 'kc-table', wrap);
    var headRow = h('tr', '', h('thead', '', table));
    var tbody = h('tbody', '', table);

    // numbers parsed from decimal strings; blanks/unparseable sort after numbers
    function num(v) { var n = parseFloat(String(v == null ? '' : v)); return isNaN(n) ? null : n; }
    function compare(col, a, b) {
      var va = a[col.key], vb = b[col.key];
      if (col.numeric) {
        var na = num(va), nb = num(vb);
        if (na === null || nb === null) return na === nb ? 0 : na === null ? 1 : -1;
        return na - nb;
      }
      // plain code-unit order: ISO timestamps and symbols sort deterministically
      va = va == null ? '' : String(va); vb = vb == null ? '' : String(vb);
      return va < vb ? -1 : va > vb ? 1 : 0;
    }

    var ths = columns.map(function (col) {
      var th = h('th', col.numeric ? 'num' : '', headRow);
      th.setAttribute('scope', 'col');
      th.setAttribute('aria-sort', 'none');
      var btn = h('button', 'kc-sort', th, col.label == null ? col.key : col.label);
      btn.type = 'button';
      btn.addEventListener('click', function () {
        sortDir = sortKey === col.key ? -sortDir : 1;
        sortKey = col.key;
        renderBody();
      });
      return th;
    });

    function renderBody() {
      columns.forEach(function (col, i) {
        ths[i].setAttribute('aria-sort', col.key !== sortKey ? 'none' : sortDir > 0 ? 'ascending' : 'descending');
      });
      clear(tbody);
      if (!rows.length) {
        var td = h('td', 'kc-empty', h('tr', '', tbody), opts.empty == null ? 'no data' : opts.empty);
        td.colSpan = Math.max(1, columns.length);
        return;
      }
      var list = rows.map(function (r, i) { return { r: r, i: i }; });
      var col = columns.filter(function (c) { return c.key === sortKey; })[0];
      if (col) {
        list.sort(function (a, b) {
          var c = compare(col, a.r, b.r);
          // blanks stay last in both directions; ties keep the original order
          if (col.numeric && (num(a.r[col.key]) === null || num(b.r[col.key]) === null)) return c || a.i - b.i;
          return c * sortDir || a.i - b.i;
        });
      }
      list.forEach(function (item) {
        var tr = h('tr', '', tbody), row = item.r;
        if (opts.rowKey != null && row[opts.rowKey] != null) tr.setAttribute('data-key', String(row[opts.rowKey]));
        columns.forEach(function (c) {
          var v = row[c.key];
          var td = h('td', c.numeric ? 'num' : '', tr, c.format ? c.format(v, row) : v == null ? '' : String(v));
          td.setAttribute('data-column', c.key);
          // a hover text per cell (the dashboard's local time for a UTC time)
          var title = c.title ? c.title(v, row) : '';
          if (title) td.title = title;
        });
      });
    }

    renderBody();
    return {
      update: function (newRows) { rows = newRows || []; renderBody(); },
      destroy: function () { if (wrap.parentNode) wrap.parentNode.removeChild(wrap); }
    };
  }

  global.KeelsonChart = {
    timeSeries: timeSeries,
    sortableTable: sortableTable,
    formatTime: formatTime,
    formatValue: formatValue
  };
})(typeof window !== 'undefined' ? window : this);
