"""The dashboard in headless Chromium against the real services (run by scripts/check-dashboard.sh).

Each check prints one line; the first failure stops the run with the reason and exit 1. What it proves:
a wrong key is refused; a viewer sees the equity chart and the positions table with the values the API returns
and no controls; an operator disables trading with a reason, the engine stops and exactly one audit row exists;
a reason holding <script> renders as text; no console errors; the overview's first render with 10,000 trades
stored is measured; a backtest's and an optimisation's report.html carry dated, valued axes. Screenshots of
every view land in DASHBOARD_SHOTS.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["DASHBOARD_URL"]
WORK = os.environ["DASHBOARD_WORK"]
SHOTS = os.environ["DASHBOARD_SHOTS"]
BIN = os.environ["KEELSON_BIN_DIR"]
PSQL = os.environ["PSQL"]
DATABASE_URL = os.environ["DATABASE_URL"]
KEYS = {role: json.load(open(os.path.join(os.environ["DASHBOARD_KEYS"], f"key-{role}.json"))) for role in ("viewer", "operator", "admin")}
WAIT = 30
REASON = "<script>alert(1)</script> dashboard drill"
SEEDED_TRADES = 10_000

passed = 0


def check(name, condition, detail=""):
    global passed
    if not condition:
        print(f"  ✘ {name}" + (f": {detail}" if detail else ""))
        sys.exit(1)
    passed += 1
    print(f"  ✔ {name}" + (f" ({detail})" if detail else ""))


def api(path, role="admin", method="GET", body=None):
    request = urllib.request.Request(URL + path, method=method, headers={"Authorization": "Bearer " + KEYS[role]["secret"]})
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sql(statement):
    return subprocess.run([PSQL, DATABASE_URL, "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", statement], check=True, capture_output=True, text=True).stdout.strip()


def settle():
    """Waits until the replay has finished and the engine has stopped changing: the market stands still."""
    deadline = time.time() + 120
    previous, stable = None, 0
    while time.time() < deadline:
        try:
            providers = api("/api/v1/market/providers")
            portfolio = api("/api/v1/trading/portfolio")
            trades = api("/api/v1/trading/trades?limit=1")
        except urllib.error.URLError:
            time.sleep(1)
            continue
        finished = all(p["status"] == "finished" for p in providers["providers"]) and all(s["backlog"] == 0 for s in providers["subscribers"])
        now = (portfolio.get("as_of"), portfolio["equity"], json.dumps(trades["trades"][:1]))
        stable = stable + 1 if finished and now == previous else 0
        previous = now
        if stable >= 3:
            return portfolio
        time.sleep(1)
    check("the replay finishes and the engine settles within 120 s", False, f"last: {previous}")


def seed():
    """10,000 more trades in the session (the first-render measure) and a position with all three exit levels on a
    symbol the engine does not trade, so the positions table is never empty."""
    session = api("/api/v1/trading/session")["id"]
    sql(
        f"""
        INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy)
        SELECT {session}, 'BTCUSDT', 'long', 0.01, timestamptz '2024-02-01' + i * interval '1 minute', 60000 + i % 97,
               timestamptz '2024-02-01' + (i + 5) * interval '1 minute', 60000 + i % 89, ((i % 89) - (i % 97)) * 0.01, 0.12, 'signal', 'seeded'
        FROM generate_series(1, {SEEDED_TRADES}) AS i
        """
    )
    sql(
        f"""
        INSERT INTO positions (session_id, symbol, quantity, average_entry_price, stop_price, take_profit_price, trailing_stop_price,
                               highest_price, opened_at, mark_price)
        VALUES ({session}, 'SOLUSDT', 12.5, 142.37, 135.1, 157.2, 139.85, 143.9, timestamptz '2024-03-01 06:00:00+00', 143.12)
        """
    )
    return session


def browser(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def console_errors(driver, allowed=()):
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return [message for message in errors if not any(pattern in message for pattern in allowed)]


def wait(driver, condition, what):
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        check(what, False, f"not within {WAIT} s")


def sign_in(driver, key):
    driver.get(URL + "/")
    field = wait(driver, EC.visibility_of_element_located((By.ID, "api-key")), "the sign-in form shows")
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]").click()


def loaded(driver, view):
    wait(driver, lambda d: d.find_element(By.ID, "view").get_attribute("data-view") == view
         and d.find_element(By.ID, "view").get_attribute("data-loaded") == "true", f"the {view} view loads")


def open_view(driver, view):
    driver.find_element(By.CSS_SELECTOR, f"#nav a[data-view='{view}']").click()
    loaded(driver, view)


def shot(driver, name):
    """The whole page: the window grows to the page's height for the picture."""
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    page = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(page + 140, height), 2400))
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    driver.set_window_size(width, height)


def texts(driver, selector):
    """The text of every element matching `selector`, read in one script (a chart redrawn on resize leaves none stale)."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0])).map(function (e) { return e.textContent; });", selector)


def table_rows(driver, container):
    """The table's rows as {column: text}, read in one script so a refresh cannot redraw it halfway."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr')).map(function (row) {
          var cells = {};
          row.querySelectorAll('td[data-column]').forEach(function (cell) { cells[cell.getAttribute('data-column')] = cell.textContent; });
          return cells;
        }).filter(function (cells) { return Object.keys(cells).length; });
        """,
        container,
    )


def main():
    print("dashboard browser test:")
    settle()
    session = seed()
    check("the session holds the seeded trades", int(sql(f"SELECT count(*) FROM trades WHERE session_id = {session}")) >= SEEDED_TRADES)

    driver = browser()
    try:
        # ---------------------------------------------------------------- a wrong key
        sign_in(driver, "kk_0123456789ab_" + "0" * 64)
        error = wait(driver, lambda d: d.find_element(By.ID, "sign-in-error").text or False, "a wrong key is refused")
        check("a wrong key is refused with the API's reason", "not valid" in error, error)
        check("nothing is shown to a wrong key", not driver.find_element(By.ID, "nav").is_displayed())
        unexpected = console_errors(driver, allowed=("/api/v1/whoami - Failed to load resource: the server responded with a status of 401",))
        check("no console errors but the refused sign-in's 401", not unexpected, "; ".join(unexpected))

        # ---------------------------------------------------------------- a viewer
        sign_in(driver, KEYS["viewer"]["secret"])
        loaded(driver, "overview")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#equity-chart svg.kc-panel")) == 2, "the equity and drawdown panels draw")
        curve = api("/api/v1/trading/equity?points=600", role="viewer")
        check("the equity curve has points", len(curve["points"]) > 10, f"{len(curve['points'])} points")
        ticks = texts(driver, "#equity-chart text.kc-xtick")
        check("the time axis carries dates", any(re.search(r"\d{2}-\d{2}|\d{4}-\d{2}", t) for t in ticks), ", ".join(ticks[:4]))
        values = texts(driver, "#equity-chart text.kc-ytick")
        check("the value axes carry numbers", sum(bool(re.search(r"\d", v)) for v in values) >= 4, ", ".join(values[:4]))
        portfolio = api("/api/v1/trading/portfolio", role="viewer")
        wait(driver, lambda d: d.find_element(By.ID, "figure-equity").text == portfolio["equity"], "the equity figure is the API's")
        check("the overview's equity is the API's, exactly", True, portfolio["equity"])
        check("the open positions count is the API's", driver.find_element(By.ID, "figure-open-positions").text == str(len(portfolio["positions"])))
        buttons = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#view button") if b.is_displayed()]
        controls = [b for b in buttons if b in ("Enable trading", "Disable trading", "Stop entries", "Close all positions", "Maintenance on")]
        check("a viewer sees no controls", not controls and not driver.find_elements(By.CSS_SELECTOR, "[data-testid=trading-controls]"), str(controls))
        check("a viewer's menu has no audit log or API keys", not driver.find_elements(By.CSS_SELECTOR, "#nav a[data-view=audit], #nav a[data-view=keys]"))
        shot(driver, "overview")

        # The first render of the overview, signed in, with the 10,000 trades stored: load to every card answered.
        timings = []
        for _ in range(3):
            driver.refresh()
            loaded(driver, "overview")
            timings.append(driver.execute_script(
                "var m = performance.getEntriesByName('keelson-first-render'); return m.length ? m[0].startTime : null;"))
        check("the overview's first render is measured", all(t is not None for t in timings), ", ".join(f"{t:.0f} ms" for t in timings if t))
        with open(os.path.join(SHOTS, "first-render.json"), "w") as out:
            json.dump({"trades_stored": int(sql(f"SELECT count(*) FROM trades WHERE session_id = {session}")), "first_render_ms": timings}, out)

        open_view(driver, "positions")
        wait(driver, lambda d: table_rows(d, "positions-table"), "the positions table fills")
        api_positions = api("/api/v1/trading/positions", role="viewer")["positions"]
        shown = {row["symbol"]: row for row in table_rows(driver, "positions-table")}
        check("the positions table lists the API's positions", sorted(shown) == sorted(p["symbol"] for p in api_positions), ", ".join(sorted(shown)))
        for position in api_positions:
            row = shown[position["symbol"]]
            for key in ("quantity", "average_entry_price", "mark_price", "unrealized_pnl", "stop_price", "take_profit_price", "trailing_stop_price"):
                check(f"{position['symbol']} {key} is the API's exactly", row[key] == (position.get(key) or ""), f"{row[key]!r} vs {position.get(key)!r}")
        opened = driver.execute_script(
            "var c = document.querySelector('#positions-table td[data-column=opened_at]'); return [c.textContent, c.title];")
        check("times are UTC with the local time on hover", opened[0].endswith("UTC") and bool(opened[1]), f"{opened[0]}; hover: {opened[1]}")
        shot(driver, "positions")

        for view in ("orders", "trades", "strategies", "market", "execution"):
            open_view(driver, view)
            shot(driver, view)
        open_view(driver, "trades")
        wait(driver, lambda d: len(table_rows(d, "trades-table")) == 50, "the trades table shows a page of 50")
        driver.find_element(By.ID, "filter-strategy").send_keys("seeded")
        driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        wait(driver, lambda d: all(r.get("strategy") == "seeded" for r in table_rows(d, "trades-table")) and len(table_rows(d, "trades-table")) == 50,
             "the strategy filter applies")
        first_page = [r["id"] for r in table_rows(driver, "trades-table")]
        driver.find_element(By.XPATH, "//button[contains(., 'Older')]").click()
        wait(driver, lambda d: [r["id"] for r in table_rows(d, "trades-table")][:1] != first_page[:1], "the next page loads")
        second_page = [r["id"] for r in table_rows(driver, "trades-table")]
        check("paging goes to older trades", int(second_page[0]) < int(first_page[-1]), f"{first_page[-1]} → {second_page[0]}")
        check("no console errors as a viewer", not console_errors(driver), "; ".join(console_errors(driver)))

        # ---------------------------------------------------------------- an operator
        driver.find_element(By.ID, "sign-out").click()
        sign_in(driver, KEYS["operator"]["secret"])
        loaded(driver, "overview")
        audit_before = [e for e in api("/api/v1/admin/audit?limit=1000")["entries"] if e["action"] == "trading.disable"]
        driver.find_element(By.XPATH, "//button[text()='Disable trading']").click()
        reason = wait(driver, EC.visibility_of_element_located((By.ID, "action-reason")), "the reason dialog opens")
        reason.send_keys(REASON)
        driver.find_element(By.ID, "action-confirm").click()
        wait(driver, lambda d: d.find_element(By.ID, "toast").is_displayed() and "Disable trading" in d.find_element(By.ID, "toast").text,
             "the result is shown")
        check("the result names the new state", "stopped" in driver.find_element(By.ID, "toast").text, driver.find_element(By.ID, "toast").text)
        check("the engine is stopped", api("/api/v1/trading/session")["status"] == "stopped")
        audit_after = [e for e in api("/api/v1/admin/audit?limit=1000")["entries"] if e["action"] == "trading.disable"]
        new = audit_after[: len(audit_after) - len(audit_before)]
        check("exactly one audit row", len(new) == 1, str(new))
        check("the audit row has the operator, the reason and ok",
              new[0]["actor_name"] == "dashboard-operator" and new[0]["reason"] == REASON and new[0]["outcome"] == "ok", str(new[0]))
        wait(driver, lambda d: d.find_element(By.ID, "trading-state").text == "stopped", "the overview shows the new state")
        wait(driver, lambda d: REASON in d.find_element(By.ID, "trading-reason").text, "the reason shows")
        try:
            driver.switch_to.alert
            check("the <script> in the reason does not run", False, "an alert opened")
        except NoAlertPresentException:
            pass
        check("the <script> in the reason renders as text", REASON in driver.find_element(By.ID, "trading-reason").text
              and len(driver.find_elements(By.CSS_SELECTOR, "script")) == 2)
        shot(driver, "overview-operator")
        check("no console errors as an operator", not console_errors(driver), "; ".join(console_errors(driver)))

        # ---------------------------------------------------------------- an admin
        driver.find_element(By.ID, "sign-out").click()
        sign_in(driver, KEYS["admin"]["secret"])
        loaded(driver, "overview")
        check("an admin gets close-all", bool(driver.find_elements(By.XPATH, "//button[text()='Close all positions']")))
        open_view(driver, "audit")
        wait(driver, lambda d: any(r.get("action") == "trading.disable" for r in table_rows(d, "audit-table")), "the audit view lists the action")
        row = next(r for r in table_rows(driver, "audit-table") if r.get("action") == "trading.disable")
        check("the audit view shows the reason as text", row["reason"] == REASON, row["reason"])
        shot(driver, "audit")
        open_view(driver, "keys")
        shot(driver, "keys")
        check("no console errors as an admin", not console_errors(driver), "; ".join(console_errors(driver)))
        driver.quit()

        # ---------------------------------------------------------------- on a phone
        driver = browser(390, 844)
        sign_in(driver, KEYS["viewer"]["secret"])
        loaded(driver, "overview")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#equity-chart svg.kc-panel"), "the chart draws on a phone")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check("the overview fits a phone's width", overflow <= 1, f"page width minus screen width: {overflow} px")
        shot(driver, "phone-overview")
        driver.quit()

        # ---------------------------------------------------------------- the reports
        driver = browser()
        reports(driver)
    finally:
        try:
            driver.quit()
        except Exception:
            pass
    print(f"dashboard browser test: {passed} checks passed")


def keelson(*arguments):
    result = subprocess.run([os.path.join(BIN, "keelson"), *arguments], capture_output=True, text=True)
    said = (result.stderr if result.returncode else result.stdout).strip().splitlines()
    check(f"keelson {arguments[0]} writes its report", result.returncode == 0, said[-1] if said else "")


def reports(driver):
    backtest = os.path.join(WORK, "backtest")
    keelson("backtest", "--strategy", "sma_crossover", "--data", "data/sample/BTCUSDT-1m.csv", "--param", "fast=10", "--param", "slow=30",
            "--out", backtest)
    optimize = os.path.join(WORK, "optimize")
    keelson("optimize", "--strategy", "sma_crossover", "--data", "data/sample/BTCUSDT-1m.csv", "--param", "fast=5:15:5", "--param", "slow=20:40:10",
            "--walk-forward", "train=1d,test=12h", "--objective", "return", "--out", optimize, "--no-record")
    for name, folder, panels in (("backtest", backtest, 3), ("optimize", optimize, 1)):
        driver.get("file://" + os.path.join(folder, "report.html"))
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.kc-panel")) == panels, f"the {name} report draws {panels} panels")
        ticks = texts(driver, "text.kc-xtick")
        check(f"the {name} report's time axis carries dates", sum(bool(re.search(r"\d{2}-\d{2}|\d{4}-\d{2}", t)) for t in ticks) >= 3, ", ".join(ticks[:4]))
        values = texts(driver, "text.kc-ytick")
        check(f"the {name} report's value axes carry numbers", sum(bool(re.search(r"\d", v)) for v in values) >= 3 * panels, ", ".join(values[:5]))
        shot(driver, f"report-{name}")
        check(f"no console errors in the {name} report", not console_errors(driver), "; ".join(console_errors(driver)))
    driver.get("file://" + os.path.join(backtest, "report.html"))
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "path.kc-marker.kc-entry"), "the backtest report marks the trades")
    trades = len(driver.find_elements(By.CSS_SELECTOR, "#trades tbody tr"))
    check("the backtest report lists its trades", trades >= 1, f"{trades} rows")


if __name__ == "__main__":
    main()
