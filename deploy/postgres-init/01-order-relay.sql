-- order-relay's shared order store (DATABASE_URL); its tables are created by the first order-relay
-- process that starts (migrations under an advisory lock).
CREATE DATABASE order_relay;
