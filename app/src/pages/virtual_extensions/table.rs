//! The list of virtual extensions: sortable columns and pages (links, so the address bar keeps
//! them), and an empty state that invites creating the first one.

use crate::components::table::{group_thousands, PastTheLastPage, TableCard};
use crate::model::admin::Actor;
use crate::model::{ListQuery, Location, SortKey, VirtualExtension, VirtualExtensionPage};
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

/// The list's address for `query`.
pub fn list_href(query: &ListQuery) -> String {
    query.on_path(paths::VIRTUAL_EXTENSIONS)
}

/// The element id of an entry's link in the list: focus returns there when its panel closes.
pub fn row_link_id(id: &str) -> String {
    format!("row-{id}")
}

/// A column heading that sorts by its column (a second click reverses), with `aria-sort`.
fn sort_heading(key: SortKey, query: &ListQuery) -> impl IntoView {
    let active = query.sort == key;
    let next = ListQuery { sort: key, descending: active && !query.descending, page: 0, ..query.clone() };
    let aria = active.then_some(if query.descending { "descending" } else { "ascending" });
    let arrow = match (active, query.descending) {
        (false, _) => "",
        (true, false) => " ▲",
        (true, true) => " ▼",
    };
    view! {
        <th scope="col" aria-sort=aria>
            <A href=list_href(&next) attr:class="sort-link">{key.label()}<span aria-hidden="true">{arrow}</span></A>
        </th>
    }
}

/// Row selection for deleting several entries at once.
#[derive(Clone, Copy)]
pub struct Selection {
    /// Ids of the selected rows (on this page).
    pub selected: RwSignal<Vec<String>>,
    /// Opens the confirmation.
    pub confirming: RwSignal<bool>,
}

fn toggle(selected: RwSignal<Vec<String>>, id: &str, on: bool) {
    selected.update(|s| {
        s.retain(|x| x != id);
        if on {
            s.push(id.to_string());
        }
    });
}

#[component]
pub fn VirtualExtensionTable(
    page: VirtualExtensionPage,
    locations: Vec<Location>,
    query: ListQuery,
    /// The signed-in administrator: rows they may change get a checkbox.
    me: Option<Actor>,
    selection: Selection,
) -> impl IntoView {
    let filtered = !query.search.is_empty() || query.level.is_some() || query.location.is_some();
    if page.total == 0 && !filtered {
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
    if page.total == 0 {
        return view! {
            <div class="empty-state">
                <h2>"No virtual extensions match"</h2>
                <p>"Nothing matches this search and these filters. "<A href=paths::VIRTUAL_EXTENSIONS>"Clear them"</A>" to see every entry."</p>
            </div>
        }
        .into_any();
    }
    let pages = page.total.div_ceil(u64::from(page.per_page)).max(1);
    if u64::from(page.page) >= pages {
        let last = u32::try_from(pages - 1).unwrap_or(u32::MAX);
        return view! {
            <PastTheLastPage
                asked=u64::from(page.page) + 1
                pages
                last_href=list_href(&ListQuery { page: last, ..query.clone() })
            />
        }
        .into_any();
    }
    let Selection { selected, confirming } = selection;
    // Only rows this administrator may delete can be selected.
    let selectable: Vec<String> = page
        .items
        .iter()
        .filter(|e| me.as_ref().is_some_and(|me| me.may_change(&e.scope())))
        .map(|e| e.id.clone())
        .collect();
    let any_selectable = !selectable.is_empty();
    let at = |p: u32| list_href(&ListQuery { page: p, ..query.clone() });
    let selection_bar = move || {
        let n = selected.with(Vec::len);
        (n > 0).then(|| {
            view! {
                <div class="selection-bar">
                    <span>{format!("{n} selected")}</span>
                    <button type="button" class="button danger" on:click=move |_| confirming.set(true)>
                        "Delete selected"
                    </button>
                    <button type="button" class="button" on:click=move |_| selected.set(Vec::new())>
                        "Clear selection"
                    </button>
                </div>
            }
        })
    };
    let pager = view! {
        {selection_bar}
        <nav class="pager" aria-label="Pages">
            <span>{format!("Page {} of {}", u64::from(page.page) + 1, group_thousands(pages))}</span>
            {(page.page > 0).then(|| view! { <A href=at(page.page - 1)>"Previous"</A> })}
            {(u64::from(page.page) + 1 < pages).then(|| view! { <A href=at(page.page + 1)>"Next"</A> })}
        </nav>
    };
    let all = selectable.clone();
    let all_checked = {
        let all = all.clone();
        move || !all.is_empty() && selected.with(|s| all.iter().all(|id| s.contains(id)))
    };
    let select_all = any_selectable.then(|| {
        view! {
            <th scope="col" class="select-cell">
                <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    prop:checked=all_checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.set(if on { all.clone() } else { Vec::new() });
                    }
                />
            </th>
        }
    });
    let head = view! {
        {select_all}
        {SortKey::ALL.into_iter().map(|key| sort_heading(key, &query)).collect_view()}
    };
    let rows = page
        .items
        .iter()
        .map(|entry| {
            let location = location_cell(entry, &locations);
            let name = entry.display_name.clone();
            let cell = any_selectable.then(|| {
                let may = selectable.contains(&entry.id);
                let (id, checked_id) = (entry.id.clone(), entry.id.clone());
                let label = format!("Select {} ({})", entry.display_name, entry.extension);
                view! {
                    <td class="select-cell">
                        {may.then(|| view! {
                            <input
                                type="checkbox"
                                aria-label=label
                                prop:checked=move || selected.with(|s| s.contains(&checked_id))
                                on:change=move |ev| toggle(selected, &id, event_target_checked(&ev))
                            />
                        })}
                    </td>
                }
            });
            view! {
                <tr>
                    {cell}
                    <td>
                        <A href=query.on_path(&paths::virtual_extension(&entry.id)) attr:class="row-link" attr:id=row_link_id(&entry.id)>
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
            head=head.into_any()
            toolbar=pager.into_any()
            columns=any_selectable
                .then_some("col-select")
                .into_iter()
                .chain(["col-name", "col-first", "col-last", "col-extension", "col-number", "col-location"])
                .collect()
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
