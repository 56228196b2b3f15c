//! The list of virtual extensions, with an empty state that invites creating the first one.

use crate::components::table::TableCard;
use crate::model::{Location, VirtualExtension, VirtualExtensionPage};
use crate::paths;
use leptos::prelude::*;
use leptos_router::components::A;

fn location_cell(entry: &VirtualExtension, locations: &[Location]) -> String {
    match &entry.location_id {
        None => "Organization".to_string(),
        Some(id) => entry
            .location_name
            .clone()
            .or_else(|| locations.iter().find(|l| &l.id == id).map(|l| l.name.clone()))
            .unwrap_or_else(|| id.clone()),
    }
}

fn count_label(total: u64) -> String {
    match total {
        1 => "1 virtual extension".to_string(),
        n => format!("{} virtual extensions", group_thousands(n)),
    }
}

/// 1204 → "1,204".
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[component]
pub fn VirtualExtensionTable(page: VirtualExtensionPage, locations: Vec<Location>) -> impl IntoView {
    if page.total == 0 {
        return view! {
            <div class="empty-state">
                <h2 id="empty-title">"No virtual extensions yet"</h2>
                <p>
                    "Select Create Virtual Extension to add the first one: an external number that colleagues can reach by dialing a short extension."
                </p>
            </div>
        }
        .into_any();
    }
    let rows = page
        .items
        .iter()
        .map(|entry| {
            let location = location_cell(entry, &locations);
            let name = entry.display_name.clone();
            view! {
                <tr>
                    <td>
                        <A href=paths::virtual_extension(&entry.id) attr:class="row-link">
                            {name}
                        </A>
                    </td>
                    <td>{entry.first_name.clone().unwrap_or_default()}</td>
                    <td>{entry.last_name.clone().unwrap_or_default()}</td>
                    <td class="mono">{entry.extension.clone()}</td>
                    <td class="mono">{entry.phone_number.clone()}</td>
                    <td>{location}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableCard
            caption="Virtual extensions"
            count_id="list-count"
            count=count_label(page.total)
            headers=&["Display Name", "First Name", "Last Name", "Extension", "Phone Number", "Location"]
        >
            {rows}
        </TableCard>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_the_console() {
        assert_eq!(count_label(1), "1 virtual extension");
        assert_eq!(count_label(0), "0 virtual extensions");
        assert_eq!(count_label(1204), "1,204 virtual extensions");
        assert_eq!(count_label(100_000), "100,000 virtual extensions");
        assert_eq!(count_label(999), "999 virtual extensions");
    }
}
