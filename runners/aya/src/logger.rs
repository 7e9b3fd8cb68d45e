//! A `log` backend for aya's messages: everything at `warn` and above goes to stderr, and
//! the warning aya emits when it drops the object's BTF is kept for the reply's `btf` field.

use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Collects aya's warnings about dropped BTF for the request in progress.
pub struct Logger {
    dropped_btf: Mutex<Option<String>>,
}

/// The process-wide logger (the `log` crate needs one with a `'static` lifetime).
pub static LOGGER: Logger = Logger {
    dropped_btf: Mutex::new(None),
};

impl Logger {
    /// Install as the `log` backend.
    pub fn install(&'static self) {
        if log::set_logger(self).is_ok() {
            log::set_max_level(LevelFilter::Warn);
        }
    }

    /// The BTF-dropped warning seen since the last call, if any.
    pub fn take_dropped_btf(&self) -> Option<String> {
        self.dropped_btf.lock().ok()?.take()
    }
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= Level::Warn
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        eprintln!("[aya {}] {}: {message}", record.level(), record.target());
        if message.contains("BTF couldn't be loaded") {
            if let Ok(mut slot) = self.dropped_btf.lock() {
                *slot = Some(message);
            }
        }
    }

    fn flush(&self) {}
}
