//! The HTML shell every page gets: a boot screen and the scripts that load the app. It holds no
//! personal data and no per-route content, so the service worker can serve it for any URL
//! offline; the browser mounts the screens over it. The server compiles none of the screens
//! (they live in the `app` crate, which only the browser bundle builds): this is plain markup.

use leptos::config::LeptosOptions;
use leptos::prelude::*;

pub fn shell(options: LeptosOptions, css_href: String) -> impl IntoView {
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
            </head>
            <body>
                // The same words the app's own boot screen shows until the device store is read.
                <div class="boot" aria-busy="true">
                    <p class="boot-name">"みまもり"</p>
                    <p>"読み込み中…"</p>
                    <noscript>"このアプリを使うには JavaScript を有効にしてください。"</noscript>
                </div>
            </body>
        </html>
    }
}
