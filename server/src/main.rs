use mimamori_server::config::Config;
use mimamori_server::demo;
use mimamori_server::startup::Application;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let demo_mode = config.demo;
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("mimamori: failed to start: {e}");
            std::process::exit(1);
        }
    };
    let addr = app.local_addr();
    println!("\nみまもり is running: http://{addr}/");
    if demo_mode {
        println!("Demo logins (password for all: {}):", demo::DEMO_PASSWORD);
        for (login, name, role) in demo::DEMO_LOGINS {
            println!("  {login:<10} {name}（{role}）");
        }
    }
    println!("Stop with Ctrl+C.\n");
    if let Err(e) = app.run().await {
        eprintln!("mimamori: server error: {e}");
        std::process::exit(1);
    }
}
