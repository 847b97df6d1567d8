//! The HTML shell the server renders for every page. It holds no personal data and no
//! per-route content, so the service worker can serve it for any URL offline.

use crate::ui::App;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_meta::MetaTags;

pub fn shell(options: LeptosOptions, css_href: String) -> impl IntoView {
    // The server speaks Japanese; the browser switches to the user's choice before it mounts.
    rust_i18n::set_locale("ja");
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#1f5f4a"/>
                <meta name="description" content="見守り・御用聞きの記録アプリ"/>
                <title>"みまもり"</title>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" type="image/png" sizes="192x192" href="/icons/icon-192.png"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <link rel="stylesheet" href=css_href/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}
