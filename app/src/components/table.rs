//! The console's list surface: a card with a toolbar (the count, maybe paging) over a table.

use leptos::prelude::*;

/// Counts as the console writes them: 1204 → "1,204".
pub fn group_thousands(n: u64) -> String {
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
pub fn TableCard(
    /// Names the table for screen readers.
    caption: &'static str,
    /// The count's element id (tests and links find it).
    count_id: &'static str,
    /// "1,204 virtual extensions".
    count: String,
    /// Column headings, in order (ignored when `head` is given).
    #[prop(optional)]
    headers: &'static [&'static str],
    /// The heading cells, when they are more than text (sort links).
    #[prop(optional)]
    head: Option<AnyView>,
    /// More toolbar content, after the count (paging).
    #[prop(optional)]
    toolbar: Option<AnyView>,
    /// One class per column (`col-…` in the stylesheet): given, the columns keep their widths
    /// whatever the rows hold, so they do not jump while paging and sorting.
    #[prop(optional)]
    columns: Vec<&'static str>,
    /// The rows.
    children: Children,
) -> impl IntoView {
    let fixed = !columns.is_empty();
    let colgroup = fixed.then(|| {
        view! { <colgroup>{columns.into_iter().map(|class| view! { <col class=class /> }).collect_view()}</colgroup> }
    });
    view! {
        // Not a labelled region: a label such as "12 virtual extensions" would also answer to
        // unscoped label look-ups for "Extension".
        <div class="card">
            <div class="toolbar">
                <p class="count" id=count_id>{count}</p>
                {toolbar}
            </div>
            <div class="table-wrap">
                <table class="data-table" class:fixed=fixed>
                    <caption class="visually-hidden">{caption}</caption>
                    {colgroup}
                    <thead>
                        <tr>
                            {match head {
                                Some(head) => head,
                                None => headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view().into_any(),
                            }}
                        </tr>
                    </thead>
                    <tbody>{children()}</tbody>
                </table>
            </div>
        </div>
    }
}

/// What a list shows for a page number past its end (`?page=99` of 5): which page there is
/// instead, and a link to the last one, rather than "Page 99 of 5" over an empty table.
#[component]
pub fn PastTheLastPage(
    /// The page asked for, as the address shows it (1-based).
    asked: u64,
    /// How many pages there are (at least 1).
    pages: u64,
    last_href: String,
) -> impl IntoView {
    let there_are = match pages {
        1 => "There is only 1 page.".to_string(),
        n => format!("There are {} pages.", group_thousands(n)),
    };
    view! {
        <div class="empty-state" role="status">
            <h2>{format!("There is no page {}", group_thousands(asked))}</h2>
            <p>
                {there_are}" "
                <leptos_router::components::A href=last_href>{format!("Go to page {}", group_thousands(pages))}</leptos_router::components::A>
                ", the last one."
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(100_000), "100,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
