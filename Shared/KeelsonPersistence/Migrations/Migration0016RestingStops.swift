enum Migration0016RestingStops {
    static let migration = Migration(
        version: 16,
        name: "resting_stops",
        up: """
            -- A live position's stop-loss rests on the exchange as a STOP_LOSS_LIMIT sell: its trigger price beside the
            -- limit price the orders table already has.
            ALTER TABLE orders DROP CONSTRAINT orders_type_check;
            ALTER TABLE orders ADD CONSTRAINT orders_type_check CHECK (type IN ('market', 'limit', 'stop_loss_limit'));
            ALTER TABLE orders ADD COLUMN stop_price numeric CHECK (stop_price > 0);
            ALTER TABLE orders ADD CONSTRAINT orders_stop_prices CHECK (
                (type = 'stop_loss_limit') = (stop_price IS NOT NULL AND limit_price IS NOT NULL) OR type = 'limit');
            """,
        down: """
            ALTER TABLE orders DROP CONSTRAINT orders_stop_prices;
            ALTER TABLE orders DROP COLUMN stop_price;
            ALTER TABLE orders DROP CONSTRAINT orders_type_check;
            ALTER TABLE orders ADD CONSTRAINT orders_type_check CHECK (type IN ('market', 'limit'));
            """
    )
}
