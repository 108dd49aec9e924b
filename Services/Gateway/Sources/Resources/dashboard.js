// Keelson's dashboard: one page over the gateway's REST API. The API key lives in this tab's sessionStorage and
// goes out only as an Authorization header (never in a URL); the role it has decides which controls are drawn,
// and the API enforces the same roles. All text from the API is set with textContent, so a symbol or a reason
// holding markup shows as text.
(function () {
  'use strict';

  var KEY_STORAGE = 'keelson.apiKey';
  var REFRESH_MS = 5000;
  var ROLE_RANK = { viewer: 1, operator: 2, admin: 3 };
  var Chart = window.KeelsonChart;
  var state = { key: null, caller: null, view: null, timer: null, generation: 0 };

  // ------------------------------------------------------------------------------------------ DOM helpers
  function $(id) { return document.getElementById(id); }

  // el('td', { class: 'num', text: '1.5', title: '…' }, [children]): attributes other than class/text set as such.
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === undefined || value === null || value === false) { return; }
      if (name === 'class') { node.className = value; } else if (name === 'text') { node.textContent = String(value); } else { node.setAttribute(name, value === true ? '' : String(value)); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function can(role) { return state.caller && ROLE_RANK[state.caller.role] >= ROLE_RANK[role]; }

  // ------------------------------------------------------------------------------------------ formatting
  function utc(iso) { return iso ? Chart.formatTime(Date.parse(iso)) : '—'; }
  function local(iso) { return iso ? new Date(iso).toString() : ''; }
  function text(value) { return value === undefined || value === null || value === '' ? '—' : String(value); }
  function percent(value, digits) { return value === undefined || value === null ? '—' : Number(value).toFixed(digits === undefined ? 2 : digits) + ' %'; }
  function seconds(value) {
    if (value === undefined || value === null) { return '—'; }
    if (value < 120) { return value.toFixed(1) + ' s ago'; }
    if (value < 7200) { return (value / 60).toFixed(1) + ' min ago'; }
    if (value < 172800) { return (value / 3600).toFixed(1) + ' h ago'; }
    return (value / 86400).toFixed(0) + ' days ago';
  }
  function timeNode(iso) { return el('time', { datetime: iso || undefined, title: local(iso) || undefined, text: utc(iso) }); }

  // ------------------------------------------------------------------------------------------ API
  function ApiError(status, detail) { this.status = status; this.message = detail; }
  ApiError.prototype = Object.create(Error.prototype);

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json', Authorization: 'Bearer ' + (options.key || state.key) };
    var init = { method: options.method || 'GET', headers: headers, cache: 'no-store', credentials: 'omit' };
    if (options.body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(options.body); }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (body) {
        var parsed = null;
        try { parsed = body ? JSON.parse(body) : null; } catch (ignored) { parsed = null; }
        if (response.ok || (options.anyStatus && parsed)) { return parsed; }
        var detail = parsed && parsed.detail ? parsed.detail : 'HTTP ' + response.status;
        if (response.status === 401 && !options.key) { signOut(detail); }
        throw new ApiError(response.status, detail);
      });
    });
  }

  function query(parameters) {
    var parts = [];
    Object.keys(parameters).forEach(function (name) {
      var value = parameters[name];
      if (value !== undefined && value !== null && value !== '') { parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(value)); }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  function toast(message, failed) {
    var node = $('toast');
    node.textContent = message;
    node.className = 'toast' + (failed ? ' failed' : '');
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { node.hidden = true; }, 8000);
  }

  // ------------------------------------------------------------------------------------------ actions
  // Every action asks for a reason in a dialog, calls the API, and says what came back.
  function action(title, detail, run) {
    var dialog = $('action-dialog');
    $('action-title').textContent = title;
    $('action-detail').textContent = detail;
    $('action-reason').value = '';
    $('action-form').onsubmit = function (event) {
      event.preventDefault();
      var reason = $('action-reason').value.trim();
      if (!reason) { $('action-reason').focus(); return; }
      dialog.close();
      run(reason).then(function (result) {
        var said = result && (result.detail || result.state) ? [result.state, result.detail].filter(Boolean).join(': ') : 'done';
        toast(title + ' — ' + said);
        refreshNow();
      }, function (error) { toast(title + ' failed: ' + error.message, true); refreshNow(); });
    };
    dialog.showModal();
    $('action-reason').focus();
  }

  function post(path, body) { return api(path, { method: 'POST', body: body }); }

  function button(label, onClick, kind) {
    var node = el('button', { type: 'button', class: kind || '', text: label });
    node.addEventListener('click', onClick);
    return node;
  }

  function tradingControls() {
    var box = el('div', { class: 'controls', 'data-testid': 'trading-controls' });
    if (!can('operator')) { return null; }
    var controls = [
      ['Enable trading', 'enable', 'Resume trading: entries and exits run again.'],
      ['Disable trading', 'disable', 'Kill switch: cancels working orders and stops all trading; positions stay open.'],
      ['Stop entries', 'stop-entries', 'No new positions; exits and stops still run.'],
    ];
    controls.forEach(function (control) {
      box.appendChild(button(control[0], function () {
        action(control[0], control[2], function (reason) { return post('/api/v1/admin/trading/' + control[1], { reason: reason }); });
      }, control[1] === 'disable' ? 'danger' : ''));
    });
    box.appendChild(button('Maintenance on', function () {
      action('Maintenance on', 'Halts trading until maintenance is turned off.', function (reason) { return post('/api/v1/admin/maintenance', { enabled: true, reason: reason }); });
    }));
    box.appendChild(button('Maintenance off', function () {
      action('Maintenance off', 'Lifts the maintenance halt.', function (reason) { return post('/api/v1/admin/maintenance', { enabled: false, reason: reason }); });
    }));
    if (can('admin')) {
      box.appendChild(button('Close all positions', function () {
        action('Close all positions', 'Sells every open position at market and halts trading.', function (reason) { return post('/api/v1/admin/trading/close-all-positions', { reason: reason }); });
      }, 'danger'));
    }
    return box;
  }

  // ------------------------------------------------------------------------------------------ building blocks
  function card(title, id) {
    var body = el('div', { class: 'card-body', id: id });
    return { node: el('section', { class: 'card' }, [el('h2', { text: title }), body]), body: body };
  }

  function figure(label, id) {
    return el('div', { class: 'figure' }, [el('span', { class: 'label', text: label }), el('span', { class: 'value', id: id, text: '…' })]);
  }

  function setText(id, value, className) {
    var node = $(id);
    if (!node) { return; }
    node.textContent = value;
    if (className !== undefined) { node.className = 'value ' + className; }
  }

  function failure(container, error) {
    clear(container).appendChild(el('p', { class: 'error', text: error.message }));
  }

  // A table of `columns` (key, label, numeric, time) over rows from the API; returns its update function. Time
  // cells show UTC, with the local time on hover.
  function table(container, columns, empty) {
    var drawn = Chart.sortableTable(container, {
      columns: columns.map(function (column) {
        return {
          key: column.key, label: column.label, numeric: !!column.numeric,
          format: column.time ? function (value) { return value ? utc(value) : ''; } : undefined,
          title: column.time ? function (value) { return local(value); } : undefined,
        };
      }),
      rows: [], empty: empty,
    });
    return function (rows) { drawn.update(rows); };
  }

  // Symbol, strategy and date filters for a list; `apply` gets the parameters.
  function filters(fields, apply) {
    var form = el('form', { class: 'filters' });
    var inputs = {};
    fields.forEach(function (field) {
      var input = el('input', { id: 'filter-' + field.name, name: field.name, type: field.type || 'text', placeholder: field.placeholder || '', spellcheck: 'false' });
      inputs[field.name] = input;
      form.appendChild(el('label', { for: 'filter-' + field.name, text: field.label }));
      form.appendChild(input);
    });
    form.appendChild(el('button', { type: 'submit', text: 'Apply' }));
    form.addEventListener('submit', function (event) { event.preventDefault(); apply(values()); });
    function values() {
      var result = {};
      fields.forEach(function (field) {
        var value = inputs[field.name].value.trim();
        if (field.type === 'date' && value) { value = value + 'T00:00:00Z'; }
        if (field.upper) { value = value.toUpperCase(); }
        result[field.name] = value;
      });
      return result;
    }
    return { node: form, values: values };
  }

  var LIST_FILTERS = [
    { name: 'symbol', label: 'Symbol', placeholder: 'BTCUSDT', upper: true },
    { name: 'strategy', label: 'Strategy', placeholder: 'instance id' },
    { name: 'since', label: 'From (UTC)', type: 'date' },
    { name: 'until', label: 'To (UTC)', type: 'date' },
  ];

  // A paged list (orders, trades): filters, a table, newest first, "Older" follows next_before.
  function pagedList(root, options) {
    var filter = filters(LIST_FILTERS, function (values) { current = values; before = null; newerCursors.length = 0; refresh(); });
    var holder = el('div', { id: options.id });
    var pager = el('div', { class: 'pager' });
    var newer = button('← Newer', function () { before = newerCursors.pop() || null; refresh(); }, 'quiet');
    var older = button('Older →', function () { newerCursors.push(before); before = next; refresh(); }, 'quiet');
    var status = el('span', { class: 'muted' });
    pager.appendChild(newer);
    pager.appendChild(older);
    pager.appendChild(status);
    root.appendChild(filter.node);
    root.appendChild(holder);
    root.appendChild(pager);
    var update = table(holder, options.columns, options.empty);
    var current = filter.values();
    var before = null;
    var next = null;
    var newerCursors = []; // the `before` of each newer page, to go back
    function refresh() {
      var parameters = Object.assign({ limit: 50, before: before }, current);
      return api(options.path + query(parameters)).then(function (page) {
        var rows = page[options.field] || [];
        update(rows);
        next = page.next_before || null;
        older.disabled = !next;
        newer.disabled = before === null;
        status.textContent = rows.length + ' shown' + (before === null ? ', newest first' : '');
      }, function (error) { failure(holder, error); });
    }
    return refresh;
  }

  // ------------------------------------------------------------------------------------------ views
  var views = {};

  views.overview = {
    title: 'Overview',
    render: function (root) {
      var grid = el('div', { class: 'grid' });
      var health = card('Health', 'health');
      var trading = card('Trading', 'trading');
      var money = card('Account', 'account');
      var alerts = card('Alerts', 'alerts');
      [health, trading, money, alerts].forEach(function (c) { grid.appendChild(c.node); });
      root.appendChild(grid);

      health.body.appendChild(el('p', {}, [el('span', { class: 'badge', id: 'health-status', text: '…' })]));
      health.body.appendChild(el('ul', { class: 'reasons', id: 'health-reasons' }));
      health.body.appendChild(el('div', { id: 'health-components' }));

      trading.body.appendChild(el('p', {}, [el('span', { class: 'badge', id: 'trading-state', text: '…' }), el('span', { id: 'trading-maintenance', class: 'muted' })]));
      trading.body.appendChild(el('p', { class: 'reason', id: 'trading-reason' }));
      var controls = tradingControls();
      if (controls) { trading.body.appendChild(controls); }

      ['equity:Equity', 'daily-pnl:Today\'s PnL', 'total-return:Total return', 'drawdown:Drawdown', 'open-positions:Open positions',
        'market-data:Market data', 'last-trade:Last trade', 'strategies-running:Strategies running'].forEach(function (entry) {
        var parts = entry.split(':');
        money.body.appendChild(figure(parts[1], 'figure-' + parts[0]));
      });

      alerts.body.appendChild(el('p', { class: 'muted', id: 'alerts-source' }));
      alerts.body.appendChild(el('ul', { class: 'alerts', id: 'alerts-list' }));

      root.appendChild(el('h2', { text: 'Equity and drawdown' }));
      var chartBox = el('div', { id: 'equity-chart', class: 'chart' });
      root.appendChild(chartBox);
      var chart = null;

      return function refresh() {
        var jobs = [];
        jobs.push(api('/api/v1/status').then(function (status) {
          var badge = $('trading-state');
          badge.textContent = text(status.trading.state);
          badge.className = 'badge state-' + text(status.trading.state);
          $('trading-reason').textContent = status.trading.reason ? 'Why: ' + status.trading.reason : '';
          $('trading-maintenance').textContent = status.trading.maintenance ? ' maintenance' : '';
          var market = status.market_data;
          setText('figure-market-data', (market.connected ? 'connected' : 'not connected') + ', ' + seconds(market.age_seconds) + (market.stale ? ' (stale)' : ''),
            market.stale || !market.connected ? 'bad' : 'good');
          var last = $('figure-last-trade');
          clear(last).appendChild(status.last_trade_time ? timeNode(status.last_trade_time) : document.createTextNode('none yet'));
          setText('figure-strategies-running', status.strategies_running === undefined ? '—' : String(status.strategies_running) + (status.strategies ? ' (' + status.strategies.join(', ') + ')' : ''));
        }, function (error) { $('trading-reason').textContent = error.message; }));

        jobs.push(api('/health/detailed', { anyStatus: true }).then(function (health) {
          var badge = $('health-status');
          badge.textContent = health.status;
          badge.className = 'badge health-' + health.status;
          var reasons = clear($('health-reasons'));
          (health.reasons || []).forEach(function (reason) { reasons.appendChild(el('li', { text: reason })); });
          if (!health.reasons || !health.reasons.length) { reasons.appendChild(el('li', { class: 'muted', text: 'nothing wrong' })); }
          var rows = (health.services || []).map(function (service) {
            return [service.service, service.ready ? 'ready' : (service.reachable ? 'not ready' : 'unreachable'), service.role || '', service.reason || ''];
          });
          rows.push(['database', health.database.reachable ? 'reachable' : 'unreachable', 'schema ' + text(health.database.schema_version), health.database.reason || '']);
          rows.push(['market data', health.market_data.stale ? 'stale' : 'fresh', text(health.market_data.provider), health.market_data.last_error || '']);
          (health.circuit_breakers || []).forEach(function (breaker) { rows.push(['breaker ' + breaker.name, breaker.state, breaker.service, '']); });
          var components = clear($('health-components'));
          var body = el('tbody');
          rows.forEach(function (row) {
            body.appendChild(el('tr', {}, row.map(function (cell, index) { return el(index === 0 ? 'th' : 'td', { text: cell }); })));
          });
          components.appendChild(el('table', { class: 'compact' }, [body]));
        }, function (error) { failure($('health-components'), error); }));

        jobs.push(api('/api/v1/trading/portfolio').then(function (portfolio) {
          setText('figure-equity', portfolio.equity);
          var daily = portfolio.daily_pnl;
          setText('figure-daily-pnl', text(daily), daily === undefined ? '' : (daily.charAt(0) === '-' ? 'bad' : 'good'));
          setText('figure-total-return', portfolio.total_return_percent + ' %', portfolio.total_return_percent.charAt(0) === '-' ? 'bad' : 'good');
          setText('figure-drawdown', portfolio.drawdown_percent + ' % (peak ' + portfolio.peak_equity + ')');
          setText('figure-open-positions', String(portfolio.positions.length));
        }, function (error) { setText('figure-equity', error.message, 'bad'); }));

        jobs.push(api('/api/v1/trading/equity?points=600').then(function (curve) {
          var spec = {
            panels: [
              { title: 'Equity', unit: '', height: 240, series: [{ name: 'equity', kind: 'line', className: 'equity', points: curve.points.map(function (p) { return [Date.parse(p.time), p.equity]; }) }] },
              { title: 'Drawdown', unit: '%', height: 140, series: [{ name: 'drawdown', kind: 'area', className: 'drawdown', points: curve.points.map(function (p) { return [Date.parse(p.time), p.drawdown_percent]; }) }] },
            ],
          };
          if (chart) { chart.update(spec); } else { clear(chartBox); chart = Chart.timeSeries(chartBox, spec); }
        }, function (error) { failure(chartBox, error); chart = null; }));

        jobs.push(api('/api/v1/alerts').then(function (answer) {
          $('alerts-source').textContent = (answer.source === 'alertmanager' ? 'Firing in Alertmanager' : 'Latest risk events (no Alertmanager configured)') + (answer.error ? ' — ' + answer.error : '');
          var list = clear($('alerts-list'));
          answer.alerts.forEach(function (alert) {
            list.appendChild(el('li', { class: alert.severity ? 'severity-' + alert.severity : '' }, [
              el('strong', { text: alert.name }), document.createTextNode(' '),
              alert.since ? timeNode(alert.since) : null, document.createTextNode(alert.symbol ? ' ' + alert.symbol : ''),
              el('div', { class: 'reason', text: alert.summary }),
            ]));
          });
          if (!answer.alerts.length) { list.appendChild(el('li', { class: 'muted', text: 'none' })); }
        }, function (error) { failure($('alerts-list'), error); }));
        return Promise.all(jobs);
      };
    },
  };

  views.positions = {
    title: 'Positions',
    render: function (root) {
      var holder = el('div', { id: 'positions-table' });
      root.appendChild(holder);
      var update = table(holder, [
        { key: 'symbol', label: 'Symbol' }, { key: 'quantity', label: 'Quantity', numeric: true },
        { key: 'average_entry_price', label: 'Entry', numeric: true }, { key: 'mark_price', label: 'Mark', numeric: true },
        { key: 'market_value', label: 'Value', numeric: true }, { key: 'unrealized_pnl', label: 'Unrealised PnL', numeric: true },
        { key: 'stop_price', label: 'Stop-loss', numeric: true }, { key: 'take_profit_price', label: 'Take-profit', numeric: true },
        { key: 'trailing_stop_price', label: 'Trailing stop', numeric: true }, { key: 'opened_at', label: 'Opened (UTC)', time: true },
      ], 'no open positions');
      return function refresh() {
        return api('/api/v1/trading/positions').then(function (list) { update(list.positions); }, function (error) { failure(holder, error); });
      };
    },
  };

  views.orders = {
    title: 'Orders',
    render: function (root) {
      return pagedList(root, {
        id: 'orders-table', path: '/api/v1/trading/orders', field: 'orders', empty: 'no orders',
        columns: [
          { key: 'id', label: 'Id', numeric: true }, { key: 'created_at', label: 'Placed (UTC)', time: true }, { key: 'symbol', label: 'Symbol' },
          { key: 'side', label: 'Side' }, { key: 'quantity', label: 'Quantity', numeric: true }, { key: 'status', label: 'Status' },
          { key: 'filled_quantity', label: 'Filled', numeric: true }, { key: 'average_fill_price', label: 'Avg price', numeric: true },
          { key: 'cause', label: 'Cause' }, { key: 'strategy', label: 'Strategy' }, { key: 'reject_reason', label: 'Rejected because' },
        ],
      });
    },
  };

  views.trades = {
    title: 'Trades',
    render: function (root) {
      return pagedList(root, {
        id: 'trades-table', path: '/api/v1/trading/trades', field: 'trades', empty: 'no trades',
        columns: [
          { key: 'id', label: 'Id', numeric: true }, { key: 'exit_time', label: 'Closed (UTC)', time: true }, { key: 'symbol', label: 'Symbol' },
          { key: 'quantity', label: 'Quantity', numeric: true }, { key: 'entry_price', label: 'Entry', numeric: true },
          { key: 'exit_price', label: 'Exit', numeric: true }, { key: 'pnl', label: 'PnL', numeric: true }, { key: 'fees', label: 'Fees', numeric: true },
          { key: 'exit_reason', label: 'Exit reason' }, { key: 'strategy', label: 'Strategy' }, { key: 'entry_time', label: 'Opened (UTC)', time: true },
        ],
      });
    },
  };

  views.strategies = {
    title: 'Strategies',
    render: function (root) {
      var holder = el('div', { id: 'strategies-table' });
      root.appendChild(holder);
      var update = table(holder, [
        { key: 'id', label: 'Instance' }, { key: 'strategy', label: 'Strategy' }, { key: 'symbols', label: 'Symbols' },
        { key: 'status', label: 'Lifecycle' }, { key: 'recommendation', label: 'Rules say' }, { key: 'trades', label: 'Trades', numeric: true },
        { key: 'win_rate', label: 'Win rate', numeric: true }, { key: 'realized_pnl', label: 'Realised PnL', numeric: true },
        { key: 'unrealized_pnl', label: 'Unrealised', numeric: true }, { key: 'max_drawdown_percent', label: 'Max DD %', numeric: true },
        { key: 'sharpe', label: 'Sharpe', numeric: true }, { key: 'open_positions', label: 'Open', numeric: true },
      ], 'no strategy instances');
      var select = el('select', { id: 'strategy-select', 'aria-label': 'strategy instance' });
      if (can('operator')) {
        var box = el('div', { class: 'controls' }, [el('span', { text: 'Lifecycle of ' }), select]);
        [['Promote', 'promote'], ['Retire', 'retire'], ['Disable', 'disable'], ['Enable', 'enable']].forEach(function (entry) {
          box.appendChild(button(entry[0], function () {
            var id = select.value;
            if (!id) { return; }
            action(entry[0] + ' ' + id, 'Changes the lifecycle state of strategy instance ' + id + '.', function (reason) {
              return post('/api/v1/admin/strategies/' + encodeURIComponent(id) + '/' + entry[1], { reason: reason });
            });
          }));
        });
        root.appendChild(box);
      }
      root.appendChild(el('h2', { text: 'Latest signals' }));
      var signals = el('div', { id: 'signals-table' });
      root.appendChild(signals);
      var updateSignals = table(signals, [
        { key: 'bar_time', label: 'Bar (UTC)', time: true }, { key: 'strategy', label: 'Instance' }, { key: 'symbol', label: 'Symbol' },
        { key: 'side', label: 'Side' }, { key: 'price', label: 'Price', numeric: true }, { key: 'strength', label: 'Strength', numeric: true },
        { key: 'reason', label: 'Reason' },
      ], 'no signals yet');
      return function refresh() {
        var strategies = api('/api/v1/trading/strategies').then(function (portfolio) {
          update(portfolio.strategies.map(function (entry) {
            var f = entry.figures;
            return {
              id: entry.id, strategy: entry.strategy, symbols: entry.symbols.join(', '), status: entry.status,
              recommendation: entry.recommendation ? entry.recommendation + (entry.recommendation_reason ? ' — ' + entry.recommendation_reason : '') : '',
              trades: String(f.trades), win_rate: f.win_rate === undefined ? '' : (f.win_rate * 100).toFixed(1), realized_pnl: f.realized_pnl,
              unrealized_pnl: f.unrealized_pnl, max_drawdown_percent: f.max_drawdown_percent.toFixed(3),
              sharpe: f.sharpe === undefined ? '' : f.sharpe.toFixed(3), open_positions: String(f.open_positions),
            };
          }));
          var chosen = select.value;
          clear(select);
          portfolio.strategies.forEach(function (entry) { select.appendChild(el('option', { value: entry.id, text: entry.id })); });
          if (chosen) { select.value = chosen; }
        }, function (error) { failure(holder, error); });
        var latest = api('/api/v1/signals?limit=50').then(function (list) {
          updateSignals((list.signals || []).map(function (signal) {
            return { bar_time: signal.bar_time, strategy: signal.strategy, symbol: signal.symbol, side: signal.side, price: signal.price,
              strength: signal.strength.toFixed(4), reason: signal.reason };
          }));
        }, function (error) { failure(signals, error); });
        return Promise.all([strategies, latest]);
      };
    },
  };

  views.market = {
    title: 'Market data',
    render: function (root) {
      root.appendChild(el('h2', { text: 'Providers' }));
      var providers = el('div', { id: 'providers-table' });
      root.appendChild(providers);
      if (can('admin')) {
        root.appendChild(el('div', { class: 'controls' }, [button('Reset circuit breakers', function () {
          action('Reset circuit breakers', 'Closes the market data breakers so collection is tried again now.', function (reason) { return post('/api/v1/admin/circuit-breakers/reset', { reason: reason }); });
        })]));
      }
      root.appendChild(el('h2', { text: 'Circuit breakers' }));
      var breakers = el('div', { id: 'breakers-table' });
      root.appendChild(breakers);
      root.appendChild(el('h2', { text: 'Symbols' }));
      var symbols = el('div', { id: 'symbols-table' });
      root.appendChild(symbols);
      var updateProviders = table(providers, [
        { key: 'provider', label: 'Provider' }, { key: 'role', label: 'Role' }, { key: 'exchange', label: 'Exchange' }, { key: 'status', label: 'Status' },
        { key: 'circuit', label: 'Breaker' }, { key: 'last_candle_time', label: 'Newest bar (UTC)', time: true },
        { key: 'data_age', label: 'Bar age' }, { key: 'last_stored_at', label: 'Last stored (UTC)', time: true }, { key: 'errors', label: 'Errors', numeric: true }, { key: 'last_error', label: 'Last error' },
      ], 'no providers');
      var updateBreakers = table(breakers, [
        { key: 'name', label: 'Breaker' }, { key: 'state', label: 'State' }, { key: 'consecutive_failures', label: 'Failures', numeric: true },
        { key: 'opened_at', label: 'Opened (UTC)', time: true }, { key: 'retry_at', label: 'Retry at (UTC)', time: true },
      ], 'no breakers');
      var updateSymbols = table(symbols, [
        { key: 'symbol', label: 'Symbol' }, { key: 'interval', label: 'Interval' }, { key: 'exchange', label: 'Exchange' },
        { key: 'last_candle_time', label: 'Newest bar (UTC)', time: true },
      ], 'no symbols');
      return function refresh() {
        var first = api('/api/v1/market/providers').then(function (list) {
          updateProviders(list.providers.map(function (provider) {
            return Object.assign({}, provider, { errors: String(provider.errors), data_age: seconds(provider.data_age_seconds) });
          }));
          updateBreakers(list.circuit_breakers.map(function (breaker) { return Object.assign({}, breaker, { consecutive_failures: String(breaker.consecutive_failures) }); }));
        }, function (error) { failure(providers, error); });
        var second = api('/api/v1/market/symbols').then(function (list) { updateSymbols(list.symbols); }, function (error) { failure(symbols, error); });
        return Promise.all([first, second]);
      };
    },
  };

  views.execution = {
    title: 'Execution quality',
    render: function (root) {
      var current = {};
      var form = filters(LIST_FILTERS.slice(2), function (values) { current = values; refresh(); });
      root.appendChild(form.node);
      var holder = el('div', { id: 'execution-table' });
      root.appendChild(holder);
      var update = table(holder, [
        { key: 'strategy', label: 'Instance' }, { key: 'symbol', label: 'Symbol' }, { key: 'fills', label: 'Fills', numeric: true },
        { key: 'average_slippage_bps', label: 'Avg slippage (bps)', numeric: true }, { key: 'worst_slippage_bps', label: 'Worst slippage (bps)', numeric: true },
        { key: 'average_latency_ms', label: 'Avg latency (ms)', numeric: true }, { key: 'p95_latency_ms', label: 'p95 latency (ms)', numeric: true },
        { key: 'fees', label: 'Fees', numeric: true },
      ], 'no fills in this window');
      function refresh() {
        return api('/api/v1/trading/execution' + query(current)).then(function (report) {
          update(report.rows.map(function (row) {
            var copy = Object.assign({}, row);
            ['fills', 'average_slippage_bps', 'worst_slippage_bps', 'average_latency_ms', 'p95_latency_ms'].forEach(function (key) {
              copy[key] = row[key] === undefined ? '' : String(Math.round(row[key] * 100) / 100);
            });
            return copy;
          }));
        }, function (error) { failure(holder, error); });
      }
      return refresh;
    },
  };

  views.audit = {
    title: 'Audit log',
    role: 'admin',
    render: function (root) {
      var current = {};
      var form = filters([{ name: 'since', label: 'From (UTC)', type: 'date' }], function (values) { current = values; refresh(); });
      root.appendChild(form.node);
      var holder = el('div', { id: 'audit-table' });
      root.appendChild(holder);
      var update = table(holder, [
        { key: 'id', label: 'Id', numeric: true }, { key: 'occurred_at', label: 'When (UTC)', time: true }, { key: 'actor', label: 'Who' },
        { key: 'action', label: 'Action' }, { key: 'reason', label: 'Reason' }, { key: 'outcome', label: 'Outcome' },
        { key: 'source_address', label: 'From' }, { key: 'detail', label: 'Detail' },
      ], 'no audit entries');
      function refresh() {
        return api('/api/v1/admin/audit' + query(Object.assign({ limit: 200 }, current))).then(function (list) {
          update(list.entries.map(function (entry) {
            return {
              id: String(entry.id), occurred_at: entry.occurred_at, actor: [entry.actor_name, entry.actor_key_id].filter(Boolean).join(' '),
              action: entry.action, reason: entry.reason || '', outcome: entry.outcome, source_address: entry.source_address || '',
              detail: Object.keys(entry.detail || {}).map(function (key) { return key + '=' + entry.detail[key]; }).join(' '),
            };
          }));
        }, function (error) { failure(holder, error); });
      }
      return refresh;
    },
  };

  views.keys = {
    title: 'API keys',
    role: 'admin',
    render: function (root) {
      var holder = el('div', { id: 'keys-table' });
      root.appendChild(holder);
      var update = table(holder, [
        { key: 'id', label: 'Id' }, { key: 'name', label: 'Name' }, { key: 'role', label: 'Role' }, { key: 'created_at', label: 'Created (UTC)', time: true },
        { key: 'last_used_at', label: 'Last used (UTC)', time: true }, { key: 'revoked_at', label: 'Revoked (UTC)', time: true },
      ], 'no keys');
      var name = el('input', { id: 'key-name', placeholder: 'name', spellcheck: 'false' });
      var role = el('select', { id: 'key-role', 'aria-label': 'role' }, ['viewer', 'operator', 'admin'].map(function (r) { return el('option', { value: r, text: r }); }));
      var secret = el('p', { class: 'secret', id: 'key-secret' });
      var revokeSelect = el('select', { id: 'revoke-select', 'aria-label': 'key to revoke' });
      root.appendChild(el('div', { class: 'controls' }, [el('span', { text: 'New key' }), name, role, button('Create', function () {
        api('/api/v1/admin/api-keys', { method: 'POST', body: { name: name.value.trim(), role: role.value } }).then(function (created) {
          secret.textContent = 'Key ' + created.key.id + ' (' + created.key.role + '): ' + created.secret + ' — shown once; store it now.';
          refresh();
        }, function (error) { toast('Create failed: ' + error.message, true); });
      })]));
      root.appendChild(secret);
      root.appendChild(el('div', { class: 'controls' }, [el('span', { text: 'Revoke' }), revokeSelect, button('Revoke', function () {
        var id = revokeSelect.value;
        if (!id) { return; }
        api('/api/v1/admin/api-keys/' + encodeURIComponent(id), { method: 'DELETE' }).then(function () { toast('Key ' + id + ' revoked'); refresh(); },
          function (error) { toast('Revoke failed: ' + error.message, true); });
      }, 'danger')]));
      function refresh() {
        return api('/api/v1/admin/api-keys').then(function (list) {
          update(list.keys);
          clear(revokeSelect);
          list.keys.filter(function (key) { return !key.revoked_at; }).forEach(function (key) {
            revokeSelect.appendChild(el('option', { value: key.id, text: key.id + ' ' + key.name + ' (' + key.role + ')' }));
          });
        }, function (error) { failure(holder, error); });
      }
      return refresh;
    },
  };

  var ORDER = ['overview', 'positions', 'orders', 'trades', 'strategies', 'market', 'execution', 'audit', 'keys'];

  // ------------------------------------------------------------------------------------------ navigation
  function currentView() {
    var parts = location.pathname.split('/').filter(Boolean);
    var name = parts[0] === 'dashboard' && parts[1] ? parts[1] : 'overview';
    return views[name] ? name : 'overview';
  }

  function drawNav() {
    var nav = clear($('nav'));
    ORDER.forEach(function (name) {
      var view = views[name];
      if (view.role && !can(view.role)) { return; }
      var link = el('a', { href: '/dashboard/' + name, 'data-view': name, text: view.title });
      link.addEventListener('click', function (event) {
        event.preventDefault();
        history.pushState(null, '', '/dashboard/' + name);
        show(name);
      });
      nav.appendChild(link);
    });
    nav.hidden = false;
  }

  function show(name) {
    clearTimeout(state.timer);
    state.generation += 1;
    var generation = state.generation;
    state.view = name;
    var view = views[name];
    Array.prototype.forEach.call($('nav').querySelectorAll('a'), function (link) {
      if (link.getAttribute('data-view') === name) { link.setAttribute('aria-current', 'page'); } else { link.removeAttribute('aria-current'); }
    });
    var root = clear($('view'));
    root.hidden = false;
    root.removeAttribute('data-loaded');
    root.setAttribute('data-view', name);
    root.appendChild(el('h1', { text: view.title }));
    document.title = view.title + ' — Keelson';
    if (view.role && !can(view.role)) {
      root.appendChild(el('p', { class: 'error', text: 'This view needs the ' + view.role + ' role.' }));
      return;
    }
    var refresh = view.render(root);
    state.refresh = refresh;
    // Refresh on a timer while the tab is visible; a slow answer delays the next one rather than piling up.
    function tick() {
      if (generation !== state.generation) { return; }
      var done = document.hidden ? Promise.resolve() : refresh();
      Promise.resolve(done).then(function () {
        // The first time any view has all its data: the page's first-render figure (docs/BENCHMARKS.md).
        if (!performance.getEntriesByName('keelson-first-render').length) { performance.mark('keelson-first-render'); }
        root.setAttribute('data-loaded', 'true');
        if (generation === state.generation) { state.timer = setTimeout(tick, REFRESH_MS); }
      });
    }
    tick();
  }

  function refreshNow() { if (state.view) { show(state.view); } }

  // ------------------------------------------------------------------------------------------ sign-in
  function signOut(message) {
    clearTimeout(state.timer);
    state.generation += 1;
    state.key = null;
    state.caller = null;
    sessionStorage.removeItem(KEY_STORAGE);
    $('view').hidden = true;
    $('nav').hidden = true;
    $('sign-out').hidden = true;
    $('who').textContent = '';
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('api-key').value = '';
  }

  function signedIn(key, caller) {
    state.key = key;
    state.caller = caller;
    sessionStorage.setItem(KEY_STORAGE, key);
    $('sign-in').hidden = true;
    $('sign-out').hidden = false;
    $('who').textContent = caller.name + ' · ' + caller.role;
    $('who').setAttribute('data-role', caller.role);
    drawNav();
    show(currentView());
  }

  function start() {
    $('sign-in-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var key = $('api-key').value.trim();
      $('sign-in-error').textContent = '';
      api('/api/v1/whoami', { key: key }).then(function (caller) { signedIn(key, caller); }, function (error) {
        $('sign-in-error').textContent = error.status === 401 ? 'That key is not valid: ' + error.message : error.message;
      });
    });
    $('sign-out').addEventListener('click', function () { signOut(''); });
    $('action-cancel').addEventListener('click', function () { $('action-dialog').close(); });
    window.addEventListener('popstate', function () { if (state.caller) { show(currentView()); } });
    var saved = sessionStorage.getItem(KEY_STORAGE);
    if (!saved) { signOut(''); return; }
    api('/api/v1/whoami', { key: saved }).then(function (caller) { signedIn(saved, caller); }, function () { signOut('Your key is no longer valid; sign in again.'); });
  }

  start();
})();
