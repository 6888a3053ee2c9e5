//! The man page and shell completions are generated from the clap
//! definitions; this test fails when the checked-in copies are stale.
//! Regenerate with: TLSCHECK_UPDATE_DOCS=1 cargo test --test docs

use std::path::Path;

use clap_complete::Shell;

fn generated() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();

    let mut man = Vec::new();
    clap_mangen::Man::new(tlscheck::cli::command())
        .render(&mut man)
        .expect("render man page");
    out.push(("man/tlscheck.1", man));
    // One page per subcommand, git-style, so `man tlscheck-connect` lists
    // every option. Every subcommand, so a new one cannot be forgotten.
    let names: Vec<String> = tlscheck::cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        let sub = tlscheck::cli::command()
            .find_subcommand(&name)
            .expect("subcommand exists")
            .clone()
            .name(format!("tlscheck-{name}").leak() as &str);
        let mut page = Vec::new();
        clap_mangen::Man::new(sub)
            .render(&mut page)
            .expect("render man page");
        out.push((format!("man/tlscheck-{name}.1").leak() as &str, page));
    }

    for (shell, file) in [
        (Shell::Bash, "completions/tlscheck.bash"),
        (Shell::Zsh, "completions/_tlscheck"),
        (Shell::Fish, "completions/tlscheck.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut tlscheck::cli::command(), "tlscheck", &mut buf);
        out.push((file, buf));
    }
    out
}

#[test]
fn man_page_and_completions_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("TLSCHECK_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (file, content) in generated() {
        let path = root.join(file);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `TLSCHECK_UPDATE_DOCS=1 cargo test --test docs` and commit them"
    );
}

#[test]
fn man_page_documents_exit_codes() {
    let (_, man) = &generated()[0];
    let man = String::from_utf8_lossy(man);
    assert!(
        man.contains("Exit codes"),
        "the man page should list the exit codes"
    );
}

/// README.md's clients table is `tlscheck clients` as Markdown, between
/// two markers, so a profile cannot change without the README.
#[test]
fn readme_lists_every_client_as_its_profile_says() {
    const START: &str = "<!-- clients table: generated from src/clients by tests/docs.rs -->\n";
    const END: &str = "<!-- end of clients table -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let table = tlscheck::report::clients::markdown_table(&tlscheck::report::clients::list());
    let (Some(i), Some(j)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the clients table markers");
    };
    let current = &readme[i + START.len()..j];
    if std::env::var_os("TLSCHECK_UPDATE_DOCS").is_some() {
        let updated = format!("{}{START}{table}{}", &readme[..i], &readme[j..]);
        std::fs::write(&path, updated).unwrap();
    } else {
        assert_eq!(
            current, table,
            "README.md's clients table is stale: run `TLSCHECK_UPDATE_DOCS=1 cargo test --test docs` and commit it"
        );
    }
}
