//! "These words mean the same": the office's own synonyms, which the next suggestions read as
//! one word (issue 18). A small form under the suggestions, and the groups with a remove
//! button; both are logged on the server.

use tachkhis_shared::api::consolidation::{NewSynonym, OfficeSynonym};
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{Acted, use_get, use_office};
use crate::use_model;
use crate::widgets::input_value;

impl Acted for OfficeSynonym {
    fn action(&self) -> Option<i64> {
        None
    }
}

/// The words of the form: separated by commas (Latin or Arabic) or new lines.
fn split_words(text: &str) -> Vec<String> {
    text.split([',', '،', '\n'])
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

#[component]
pub fn Synonyms() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let list = use_get::<Vec<OfficeSynonym>>(Some("/api/synonyms".into()));
    let text = use_state(String::new);
    let service = use_state(|| false);

    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(input_value(&e)))
    };
    let on_service = {
        let service = service.clone();
        Callback::from(move |_: Event| service.set(!*service))
    };
    let words = split_words(&text);
    let can_add = words.len() >= 2 && !office.read_only && !office.busy;
    let on_add = {
        let (office, text, service) = (office.clone(), text.clone(), service.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let words = split_words(&text);
            if words.len() < 2 || office.busy {
                return;
            }
            let body = NewSynonym {
                words,
                scope: Some(if *service { "service" } else { "work" }.into()),
            };
            let token = office.token.clone();
            let text = text.clone();
            office.act(
                "office.synonyms.added",
                async move {
                    office::send::<_, OfficeSynonym>("POST", &token, "/api/synonyms", Some(&body))
                        .await
                },
                move |_| text.set(String::new()),
            );
        })
    };
    let remove = |id: i64| {
        let office = office.clone();
        Callback::from(move |_: MouseEvent| {
            if office.busy {
                return;
            }
            let token = office.token.clone();
            office.act(
                "office.synonyms.removed",
                async move {
                    let path = format!("/api/synonyms/{id}");
                    office::send_no_answer("DELETE", &token, &path, &()).await
                },
                |_| {},
            );
        })
    };
    let groups = list.data.clone().unwrap_or_default();
    let row = |s: &OfficeSynonym| -> Html {
        html! {
            <li data-test="synonym-group">
                <span dir="auto">{ s.words.join(" = ") }</span>
                if s.scope == "service" {
                    <span class="muted">{ format!(" ({})", lang.t("office.synonyms.service")) }</span>
                }
                if !office.read_only {
                    <button type="button" class="link" data-test="synonym-remove"
                        disabled={office.busy} onclick={remove(s.id)}>
                        { lang.t("office.synonyms.remove") }
                    </button>
                }
            </li>
        }
    };
    html! {
        <section class="synonyms" data-test="synonyms">
            <h2>{ lang.t("office.synonyms.title") }</h2>
            <p class="muted">{ lang.t("office.synonyms.help") }</p>
            if !office.read_only {
                <form onsubmit={on_add}>
                    <label class="field">
                        <span>{ lang.t("office.synonyms.words") }</span>
                        <input type="text" dir="auto" data-test="synonym-words" value={(*text).clone()}
                            oninput={on_text} />
                    </label>
                    <label class="check">
                        <input type="checkbox" data-test="synonym-service" checked={*service}
                            onchange={on_service} />
                        { lang.t("office.synonyms.service") }
                    </label>
                    <button type="submit" data-test="synonym-add" disabled={!can_add}>
                        { lang.t("office.synonyms.add") }
                    </button>
                </form>
            }
            if !groups.is_empty() {
                <ul class="synonym-list">{ for groups.iter().map(row) }</ul>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn words_split_on_either_comma_and_lines() {
        assert_eq!(
            split_words("الكرنة، tuerie ,gorna\n ,"),
            vec!["الكرنة", "tuerie", "gorna"]
        );
    }
}
