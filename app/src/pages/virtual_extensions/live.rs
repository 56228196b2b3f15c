//! The server's verdict on the form while the admin types: the numbering plan, conflicts and
//! warnings that only the server can judge.

use crate::api::virtual_extensions::check_virtual_extension;
use crate::model::directory::Verdict;
use crate::model::{Field, VirtualExtensionInput};
use leptos::prelude::*;

/// Asks the server for its verdict 400 ms after the admin stops typing (browser only). A newer
/// keystroke makes an older answer stale, and stale answers are dropped.
pub(super) fn live_verdict(
    input: impl Fn() -> VirtualExtensionInput + Copy + Send + Sync + 'static,
    // The entry being edited: its own extension and number are no conflict.
    editing: Option<String>,
    touched: RwSignal<Vec<Field>>,
    live: RwSignal<Verdict>,
    // Level first: it always has a value, so it does not count as typing.
    values: [RwSignal<String>; 7],
) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let editing = editing.clone();
        let any_typed = values.iter().skip(1).any(|value| !value.with(String::is_empty));
        for value in values {
            value.track();
        }
        if !any_typed && touched.with(Vec::is_empty) {
            return;
        }
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        set_timeout(
            move || {
                // Stale (the admin typed again) or the panel is gone.
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let payload = input();
                let editing = editing.clone();
                leptos::task::spawn_local(async move {
                    let verdict = match check_virtual_extension(payload, editing).await {
                        Ok(verdict) => verdict,
                        Err(error) => Verdict { errors: error.field_errors().to_vec(), warnings: Vec::new() },
                    };
                    if generation.try_get_value() == Some(mine) {
                        live.try_set(verdict);
                    }
                });
            },
            std::time::Duration::from_millis(400),
        );
    });
}
