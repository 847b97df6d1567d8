//! The server's clock: the one time source trusted for ordering.

use app::domain::EpochMillis;

pub fn now_millis() -> EpochMillis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
