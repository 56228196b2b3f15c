//! Create Virtual Extension > Manually Add: the form in a side panel; saved entries go to the
//! list, which shows what the save did.

use super::form::VirtualExtensionForm;
use super::{keeping_list, VirtualExtensionContext};
use crate::api::virtual_extensions::CreateVirtualExtension;
use crate::components::field::latest_error;
use crate::components::panel::SidePanel;
use crate::model::VirtualExtensionInput;
use crate::paths;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn CreateVirtualExtensionPanel() -> impl IntoView {
    let VirtualExtensionContext { create, .. } = expect_context();
    let opened_at = create.version().get_untracked();
    let navigate = use_navigate();
    // Back to the list the panel was opened from (its search, filters and page).
    let list = keeping_list(paths::VIRTUAL_EXTENSIONS);
    let after_save = list.clone();
    Effect::new(move |_| {
        if create.version().get() != opened_at && matches!(create.value().get(), Some(Ok(_))) {
            navigate(&after_save, Default::default());
        }
    });
    view! {
        <Title text="Create Virtual Extension" />
        <SidePanel title_id="create-title" close_href=list.clone()>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Create Virtual Extension"</p>
                    <h2 id="create-title">"Manually Add"</h2>
                </div>
                <A href=list.clone() attr:class="icon-button" attr:aria-label="Close">
                    "×"
                </A>
            </div>
            <p class="field-hint panel-switch">
                "Many to add, update or delete? "
                <A href=paths::BULK_ADD>"Bulk Add in CSV"</A>
            </p>
            <VirtualExtensionForm
                initial=VirtualExtensionInput::default()
                action_url=CreateVirtualExtension::url()
                on_save=move |input| {
                    create.dispatch(CreateVirtualExtension { input });
                }
                pending=create.pending()
                answer=latest_error(create)
                close_href=list
            />
        </SidePanel>
    }
}
