use mimamori_server::config::Config;
use mimamori_server::startup::Application;
use mimamori_server::{demo, generate};
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
    if std::env::args().nth(1).as_deref() == Some("generate") {
        std::process::exit(generate(&config).await);
    }
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

/// `server generate [--persons N] [--users N] [--checks N]`: fills an empty database
/// (MIMAMORI_DATABASE_URL) with the large benchmark data set.
async fn generate(config: &Config) -> i32 {
    let mut scale = generate::Scale::default();
    let args: Vec<String> = std::env::args().skip(2).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.replace('_', "").parse::<usize>().ok());
        match (pair[0].as_str(), value) {
            ("--persons", Some(n)) => scale.persons = n,
            ("--users", Some(n)) => scale.users = n,
            ("--checks", Some(n)) => scale.checks = n,
            _ => {
                eprintln!("usage: server generate [--persons N] [--users N] [--checks N]");
                return 2;
            }
        }
    }
    let started = std::time::Instant::now();
    let storage = match mimamori_server::storage::Storage::connect(&config.database_url).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mimamori: {e}");
            return 1;
        }
    };
    match generate::generate(&storage, scale).await {
        Ok(g) => {
            println!(
                "generated in {:.1} s: {} towns, {} small areas, {} persons, {} volunteers, {} 民生委員, {} staff, {} checks",
                started.elapsed().as_secs_f64(),
                g.municipalities,
                g.small_areas,
                g.persons,
                g.volunteers,
                g.commissioners,
                g.staff,
                g.checks
            );
            println!("each user's device token is bench-<login> (cookie mimamori_session); password: mimamori");
            0
        }
        Err(e) => {
            eprintln!("mimamori: {e}");
            1
        }
    }
}
