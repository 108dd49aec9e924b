enum Migration0008Notifications {
    static let migration = Migration(
        version: 8,
        name: "notifications",
        up: """
            -- The transactional outbox: a row per event worth telling someone about, written by triggers in the same
            -- transaction as the event itself, so an event is never announced without having happened, nor lost after
            -- it did — whichever program wrote it (the engine, the CLI's manual close).
            CREATE TABLE notification_outbox (
                id              bigserial   PRIMARY KEY,
                event           text        NOT NULL,
                occurred_at     timestamptz NOT NULL DEFAULT now(),  -- the event's time (market time for fills and trades)
                created_at      timestamptz NOT NULL DEFAULT now(),  -- when it was written (wall clock)
                summary         text        NOT NULL,
                payload         jsonb       NOT NULL DEFAULT '{}'::jsonb,
                idempotency_key text        NOT NULL UNIQUE
            );

            -- One row per outbox row and channel: the dispatcher's progress. At least once: a row is `delivered` only
            -- after the channel accepted it; a crash in between sends it again with the same idempotency key.
            CREATE TABLE notification_deliveries (
                outbox_id       bigint      NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
                channel         text        NOT NULL,
                status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'filtered')),
                attempts        integer     NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                last_error      text,
                delivered_at    timestamptz,
                PRIMARY KEY (outbox_id, channel)
            );
            CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at) WHERE status = 'pending';

            -- Risk events: halts, trading controls, close-all, manual closes, reconciliation findings, order
            -- rejections. Signal rejections are left out: they are routine and would drown everything else.
            CREATE FUNCTION notify_risk_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.kind <> 'signal_rejected' THEN
                    INSERT INTO notification_outbox (event, occurred_at, summary, payload, idempotency_key)
                    VALUES (NEW.kind, NEW.occurred_at,
                            NEW.kind || coalesce(' ' || NEW.symbol, '') || ': ' || NEW.reason,
                            jsonb_build_object('session_id', NEW.session_id, 'symbol', NEW.symbol, 'reason', NEW.reason,
                                               'detail', NEW.detail),
                            'risk_event-' || NEW.id);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER risk_events_notify AFTER INSERT ON risk_events FOR EACH ROW EXECUTE FUNCTION notify_risk_event();

            CREATE FUNCTION notify_fill() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                client_order text;
            BEGIN
                SELECT client_order_id INTO client_order FROM orders WHERE id = NEW.order_id;
                INSERT INTO notification_outbox (event, occurred_at, summary, payload, idempotency_key)
                VALUES ('fill', NEW.filled_at,
                        'fill: ' || NEW.side || ' ' || NEW.quantity || ' ' || NEW.symbol || ' at ' || NEW.price
                            || ' (order ' || client_order || ')',
                        jsonb_build_object('session_id', NEW.session_id, 'symbol', NEW.symbol, 'side', NEW.side,
                                           'client_order_id', client_order, 'quantity', NEW.quantity::text,
                                           'price', NEW.price::text, 'fee', NEW.fee::text),
                        'fill-' || NEW.id);
                RETURN NULL;
            END $$;
            CREATE TRIGGER fills_notify AFTER INSERT ON fills FOR EACH ROW EXECUTE FUNCTION notify_fill();

            CREATE FUNCTION notify_trade_closed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO notification_outbox (event, occurred_at, summary, payload, idempotency_key)
                VALUES ('trade_closed', NEW.exit_time,
                        'trade closed: ' || NEW.quantity || ' ' || NEW.symbol || ' ' || NEW.entry_price || ' → ' || NEW.exit_price
                            || ', PnL ' || NEW.pnl || ' (' || NEW.exit_reason || ')',
                        jsonb_build_object('session_id', NEW.session_id, 'symbol', NEW.symbol, 'quantity', NEW.quantity::text,
                                           'entry_price', NEW.entry_price::text, 'exit_price', NEW.exit_price::text,
                                           'pnl', NEW.pnl::text, 'fees', NEW.fees::text, 'exit_reason', NEW.exit_reason),
                        'trade-' || NEW.id);
                RETURN NULL;
            END $$;
            CREATE TRIGGER trades_notify AFTER INSERT ON trades FOR EACH ROW EXECUTE FUNCTION notify_trade_closed();
            """,
        down: """
            DROP TRIGGER IF EXISTS trades_notify ON trades;
            DROP TRIGGER IF EXISTS fills_notify ON fills;
            DROP TRIGGER IF EXISTS risk_events_notify ON risk_events;
            DROP FUNCTION IF EXISTS notify_trade_closed();
            DROP FUNCTION IF EXISTS notify_fill();
            DROP FUNCTION IF EXISTS notify_risk_event();
            DROP TABLE IF EXISTS notification_deliveries;
            DROP TABLE IF EXISTS notification_outbox;
            """
    )
}
