enum Migration0010StrategyPortfolio {
    static let migration = Migration(
        version: 10,
        name: "strategy_portfolio",
        up: """
            -- Attribution: the strategy instance an order and a round trip belong to. An entry belongs to the instance
            -- whose signal it came from; every exit (a sell signal of any instance, a stop, a control, a manual close)
            -- belongs to the instance whose entry opened the position, and so does the round trip. Triggers set it, so
            -- every writer (the engine's hot path, the CLI's manual close) attributes the same way.
            ALTER TABLE orders ADD COLUMN strategy text;
            ALTER TABLE trades ADD COLUMN strategy text;
            ALTER TABLE trades_archive ADD COLUMN strategy text;

            CREATE FUNCTION keelson_attribute_order() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.strategy IS NULL AND NEW.side = 'sell' THEN
                    SELECT o.strategy INTO NEW.strategy FROM positions p JOIN orders o ON o.id = p.entry_order_id
                    WHERE p.session_id = NEW.session_id AND p.symbol = NEW.symbol;
                END IF;
                IF NEW.strategy IS NULL AND NEW.signal_id IS NOT NULL THEN
                    SELECT s.strategy INTO NEW.strategy FROM signals s WHERE s.id = NEW.signal_id;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER orders_attribution BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION keelson_attribute_order();

            CREATE FUNCTION keelson_attribute_trade() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.strategy IS NULL THEN
                    SELECT o.strategy INTO NEW.strategy FROM orders o WHERE o.id = coalesce(NEW.entry_order_id, NEW.exit_order_id);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER trades_attribution BEFORE INSERT ON trades FOR EACH ROW EXECUTE FUNCTION keelson_attribute_trade();

            -- Rows written before attribution: entries from their signal, exits and round trips from the entry.
            UPDATE orders o SET strategy = s.strategy FROM signals s WHERE o.signal_id = s.id AND o.side = 'buy';
            UPDATE trades t SET strategy = o.strategy FROM orders o WHERE o.id = t.entry_order_id;
            UPDATE orders o SET strategy = t.strategy FROM trades t WHERE t.exit_order_id = o.id;
            UPDATE orders o SET strategy = s.strategy FROM signals s WHERE o.strategy IS NULL AND o.signal_id = s.id;

            CREATE INDEX trades_strategy_exit_idx ON trades (strategy, exit_time);
            CREATE INDEX orders_strategy_idx ON orders (strategy) WHERE strategy IS NOT NULL;

            -- The lifecycle, one row per strategy instance (nothing wrote the earlier per-symbol shape). The signal
            -- service keeps the configuration columns in step with the strategies file; `status` is changed only
            -- through a lifecycle transition, which also writes one strategy_lifecycle_events row.
            DROP TABLE strategy_lifecycle_events;
            DROP TABLE strategy_states;
            CREATE TABLE strategy_states (
                instance        text        PRIMARY KEY,
                strategy        text        NOT NULL,
                symbols         text[]      NOT NULL,
                "interval"      text        NOT NULL,
                parameters      jsonb       NOT NULL DEFAULT '{}',
                configured      boolean     NOT NULL DEFAULT true,
                status          text        NOT NULL CHECK (status IN ('candidate', 'active', 'probation', 'retired', 'disabled')),
                status_reason   text        NOT NULL,
                status_changed_at timestamptz NOT NULL DEFAULT now(),
                updated_at      timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE strategy_lifecycle_events (
                id          bigserial   PRIMARY KEY,
                instance    text        NOT NULL REFERENCES strategy_states (instance),
                from_status text,
                to_status   text        NOT NULL CHECK (to_status IN ('candidate', 'active', 'probation', 'retired', 'disabled')),
                reason      text        NOT NULL,
                actor       text        NOT NULL,
                figures     jsonb       NOT NULL DEFAULT '{}',
                occurred_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX strategy_lifecycle_events_instance_idx ON strategy_lifecycle_events (instance, id DESC);
            """,
        down: """
            DROP TABLE IF EXISTS strategy_lifecycle_events;
            DROP TABLE IF EXISTS strategy_states;
            CREATE TABLE strategy_states (
                strategy    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                status      text        NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
                parameters  jsonb       NOT NULL DEFAULT '{}',
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (strategy, symbol, "interval")
            );
            CREATE TABLE strategy_lifecycle_events (
                id          bigserial PRIMARY KEY,
                strategy    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                from_status text,
                to_status   text        NOT NULL CHECK (to_status IN ('candidate', 'active', 'retired')),
                reason      text        NOT NULL,
                occurred_at timestamptz NOT NULL DEFAULT now()
            );
            DROP INDEX IF EXISTS orders_strategy_idx;
            DROP INDEX IF EXISTS trades_strategy_exit_idx;
            DROP TRIGGER IF EXISTS trades_attribution ON trades;
            DROP TRIGGER IF EXISTS orders_attribution ON orders;
            DROP FUNCTION IF EXISTS keelson_attribute_trade();
            DROP FUNCTION IF EXISTS keelson_attribute_order();
            ALTER TABLE trades_archive DROP COLUMN IF EXISTS strategy;
            ALTER TABLE trades DROP COLUMN IF EXISTS strategy;
            ALTER TABLE orders DROP COLUMN IF EXISTS strategy;
            """
    )
}
