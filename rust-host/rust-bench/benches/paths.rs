//! criterion benchmarks of Rust as the caller: the plugin's Rust code called directly (the native
//! baseline), its C ABI linked statically, its C ABI loaded with libloading, in Wasm (wasmtime),
//! out of process (rp-plugin-server: GetUser and GetUserByClaim), a C add (cc + bindgen),
//! and a Go c-archive add (bindgen from Go's header; skipped without Go); GetJsonRow natively and
//! through its generated C ABI.
//!
//! Names follow op/caller/path[/users]: "Add/rust/static", "GetUser/rust/dlopen/4". Every path
//! checks its answer once before it is timed. With RUST_BENCH_SWEEP and RUST_BENCH_DATA, GetUser
//! and FindUsers are also measured over generated data sets ("GetUser/rust/static/1000000").

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use gen_users::Key;
use rp_host::sys;
use rust_bench::c_add;
use rust_bench::users::{
    batches, check, cycle, cycle_batches, keys, plugin, ProcessUsers, StaticUsers, BATCH,
};
use rustplugin::{Claim, UserStore};

/// The user manager built for Wasm (scripts/build-wasm.sh) under wasmtime, on the demo users. Its
/// lookups answer the user's index, as the static path answers a pointer.
fn wasm_users() -> rp_wasm_host::UserManager {
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-unknown-unknown/release/rustplugin.wasm");
    rp_wasm_host::UserManager::demo(&module, rp_wasm_host::Limits::default())
        .expect("rustplugin.wasm (run `make build-rust`)")
}

fn add(c: &mut Criterion) {
    let plugin = plugin();
    // SAFETY (all unsafe calls below): C functions of two integers that cannot fail.
    assert_eq!(rustplugin::ffi::Add(40, 2), 42);
    assert_eq!(unsafe { sys::Add(40, 2) }, 42);
    assert_eq!(plugin.add(40, 2), 42);
    assert_eq!(unsafe { c_add::native_add(40, 2) }, 42);
    let mut group = c.benchmark_group("Add");
    group.bench_function("rust/native", |b| {
        b.iter(|| rustplugin::ffi::Add(black_box(1), black_box(2)))
    });
    group.bench_function("rust/static", |b| {
        b.iter(|| unsafe { sys::Add(black_box(1), black_box(2)) })
    });
    group.bench_function("rust/dlopen", |b| {
        b.iter(|| plugin.add(black_box(1), black_box(2)))
    });
    group.bench_function("rust/c", |b| {
        b.iter(|| unsafe { c_add::native_add(black_box(1), black_box(2)) })
    });
    let mut wasm = wasm_users();
    assert_eq!(wasm.add(40, 2), Ok(42));
    group.bench_function("rust/wasm", |b| {
        b.iter(|| wasm.add(black_box(1), black_box(2)))
    });
    #[cfg(has_go)]
    {
        assert_eq!(unsafe { rust_bench::go_add::GoAdd(40, 2) }, 42);
        group.bench_function("rust/carchive", |b| {
            b.iter(|| unsafe { rust_bench::go_add::GoAdd(black_box(1), black_box(2)) })
        });
    }
    #[cfg(not(has_go))]
    println!("rust-host: skipping Add/rust/carchive (Rust -> Go): go is not installed");
    group.finish();
}

fn user_manager(c: &mut Criterion) {
    let store = UserStore::demo();
    let statics = StaticUsers::demo();
    let plugin = plugin();
    let users = plugin.new_demo().expect("demo users");
    let mut wasm = wasm_users();
    let mut process = ProcessUsers::demo();
    let keys = keys(&store);
    let opaque_id = |user: &rustplugin::store::User| user.opaque_id.to_string();

    // Every path's answers, for the first keys, before timing.
    check("native GetUser", &keys, |k| {
        opaque_id(
            store
                .get_user(k.opaque_id.as_bytes(), k.idp.as_bytes())
                .unwrap(),
        )
    });
    check("static GetUser", &keys, |k| {
        // SAFETY: an answer of the live manager.
        unsafe { StaticUsers::opaque_id(statics.get_user(&k.opaque_id, &k.idp)) }
    });
    check("dlopen GetUser", &keys, |k| {
        users
            .get_user(&k.opaque_id, &k.idp)
            .unwrap()
            .opaque_id()
            .to_owned()
    });
    check("wasm GetUser", &keys, |k| {
        let index = wasm.get_user(&k.opaque_id, &k.idp).expect("a user in wasm");
        wasm.user(index).expect("a user").opaque_id
    });
    check("process GetUser", &keys, |k| {
        let index = process.get_user(&k.opaque_id, &k.idp).expect("a user");
        process.opaque_id(index)
    });
    check("process GetUserByClaim", &keys, |k| {
        let index = process.get_user_by_claim("mail", &k.mail).expect("a user");
        process.opaque_id(index)
    });
    check("native GetUserByClaim", &keys, |k| {
        opaque_id(
            store
                .get_user_by_claim(Claim::Mail, k.mail.as_bytes())
                .unwrap(),
        )
    });
    check("static GetUserByClaim", &keys, |k| {
        // SAFETY: an answer of the live manager.
        unsafe { StaticUsers::opaque_id(statics.get_user_by_claim("mail", &k.mail)) }
    });
    check("dlopen GetUserByClaim", &keys, |k| {
        users
            .get_user_by_claim("mail", &k.mail)
            .unwrap()
            .opaque_id()
            .to_owned()
    });
    for key in &keys[..8] {
        let groups = store
            .get_user_groups(key.opaque_id.as_bytes(), key.idp.as_bytes())
            .unwrap()
            .len();
        assert!(groups > 0, "{key:?}");
        assert_eq!(statics.get_user_groups(&key.opaque_id, &key.idp), groups);
        assert_eq!(
            users
                .get_user_groups(&key.opaque_id, &key.idp)
                .unwrap()
                .len(),
            groups
        );
    }
    let mut found = [std::ptr::null(); 16];
    let mut found_views = [None; 16];
    check("native FindUsers", &keys, |k| {
        let mut found = Vec::new();
        store.find_users(&k.query, |user| found.push(user));
        assert_eq!(found.len(), 1);
        opaque_id(found[0])
    });
    check("static FindUsers", &keys, |k| {
        assert_eq!(statics.find_users(&k.query, &mut found), 1);
        // SAFETY: an answer of the live manager.
        unsafe { StaticUsers::opaque_id(found[0]) }
    });
    check("dlopen FindUsers", &keys, |k| {
        assert_eq!(
            users.find_users_into(&k.query, &mut found_views).unwrap(),
            1
        );
        found_views[0].as_ref().unwrap().opaque_id().to_owned()
    });

    let mut group = c.benchmark_group("GetUser");
    bench_get_user(&mut group, 4, &keys, &store, &statics);
    group.bench_function("rust/dlopen/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            users
                .get_user(black_box(&k.opaque_id), black_box(&k.idp))
                .is_ok()
        })
    });
    group.bench_function("rust/wasm/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            wasm.get_user(black_box(&k.opaque_id), black_box(&k.idp))
        })
    });
    group.bench_function("rust/process/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            process.get_user(black_box(&k.opaque_id), black_box(&k.idp))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("GetUserByClaim");
    group.bench_function("rust/native/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            store
                .get_user_by_claim(black_box(Claim::Mail), black_box(next().mail.as_bytes()))
                .is_some()
        })
    });
    group.bench_function("rust/static/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| statics.get_user_by_claim(black_box("mail"), black_box(&next().mail)))
    });
    group.bench_function("rust/dlopen/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            users
                .get_user_by_claim(black_box("mail"), black_box(&next().mail))
                .is_ok()
        })
    });
    group.bench_function("rust/process/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| process.get_user_by_claim(black_box("mail"), black_box(&next().mail)))
    });
    group.finish();

    let mut group = c.benchmark_group("GetUserGroups");
    group.bench_function("rust/native/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            store
                .get_user_groups(
                    black_box(k.opaque_id.as_bytes()),
                    black_box(k.idp.as_bytes()),
                )
                .is_some()
        })
    });
    group.bench_function("rust/static/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            statics.get_user_groups(black_box(&k.opaque_id), black_box(&k.idp))
        })
    });
    group.bench_function("rust/dlopen/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            let k = next();
            users
                .get_user_groups(black_box(&k.opaque_id), black_box(&k.idp))
                .is_ok()
        })
    });
    group.finish();

    // GetUser for BATCH keys in one call, against BATCH lookups natively (any idp, as the batch).
    let batches = batches(&keys);
    let mut answers = Vec::new();
    users.get_users_into(&batches[0], "", &mut answers).unwrap();
    let ids: Vec<_> = answers.iter().map(|a| a.unwrap().opaque_id()).collect();
    let first: Vec<_> = keys[..BATCH].iter().map(|k| k.opaque_id.as_str()).collect();
    assert_eq!(ids, first, "dlopen GetUsers");
    let mut group = c.benchmark_group("GetUsers");
    group.bench_function("rust/native/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(store.get_user(black_box(next().opaque_id.as_bytes()), b""));
            }
        })
    });
    group.bench_function("rust/dlopen/4", |b| {
        let mut next = cycle_batches(&batches);
        b.iter(|| {
            users
                .get_users_into(black_box(next()), black_box(""), &mut answers)
                .is_ok()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("FindUsers");
    bench_find_users(&mut group, 4, &keys, &store, &statics);
    group.bench_function("rust/dlopen/4", |b| {
        let mut next = cycle(&keys);
        b.iter(|| {
            users
                .find_users_into(black_box(&next().query), &mut found_views)
                .unwrap_or(0)
        })
    });
    group.finish();
}

/// GetUser, natively and through the static C ABI, on the keys in turn.
fn bench_get_user(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    users: u64,
    keys: &[Key],
    store: &UserStore,
    statics: &StaticUsers,
) {
    group.bench_function(format!("rust/native/{users}"), |b| {
        let mut next = cycle(keys);
        b.iter(|| {
            let k = next();
            store
                .get_user(
                    black_box(k.opaque_id.as_bytes()),
                    black_box(k.idp.as_bytes()),
                )
                .is_some()
        })
    });
    group.bench_function(format!("rust/static/{users}"), |b| {
        let mut next = cycle(keys);
        b.iter(|| {
            let k = next();
            statics.get_user(black_box(&k.opaque_id), black_box(&k.idp))
        })
    });
}

/// FindUsers, natively and through the static C ABI, on the keys' queries in turn.
fn bench_find_users(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    users: u64,
    keys: &[Key],
    store: &UserStore,
    statics: &StaticUsers,
) {
    group.bench_function(format!("rust/native/{users}"), |b| {
        let mut next = cycle(keys);
        let mut count = 0;
        b.iter(|| {
            store.find_users(black_box(&next().query), |_| count += 1);
            black_box(&mut count);
        })
    });
    let mut found = [std::ptr::null(); 16];
    group.bench_function(format!("rust/static/{users}"), |b| {
        let mut next = cycle(keys);
        b.iter(|| statics.find_users(black_box(&next().query), &mut found))
    });
}

/// GetUser and FindUsers over generated data sets, natively and through the static C ABI: the
/// sizes in RUST_BENCH_SWEEP ("1000,10000"), the files users-N.json in RUST_BENCH_DATA (both set by
/// scripts/bench-rust.sh; without them, no sweep).
fn sweep(c: &mut Criterion) {
    let (Ok(sizes), Ok(data)) = (
        std::env::var("RUST_BENCH_SWEEP"),
        std::env::var("RUST_BENCH_DATA"),
    ) else {
        return;
    };
    for users in sizes
        .split(',')
        .filter_map(|n| n.trim().parse::<u64>().ok())
    {
        let path = PathBuf::from(&data).join(format!("users-{users}.json"));
        let store = UserStore::from_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (gen-users makes it)", path.display()));
        let statics = StaticUsers::from_file(&path);
        let keys = keys(&store);
        check("static GetUser", &keys, |k| {
            // SAFETY: an answer of the live manager.
            unsafe { StaticUsers::opaque_id(statics.get_user(&k.opaque_id, &k.idp)) }
        });
        let mut found = [std::ptr::null(); 16];
        check("static FindUsers", &keys, |k| {
            assert_eq!(statics.find_users(&k.query, &mut found), 1);
            // SAFETY: an answer of the live manager.
            unsafe { StaticUsers::opaque_id(found[0]) }
        });

        let mut group = c.benchmark_group("GetUser");
        bench_get_user(&mut group, users, &keys, &store, &statics);
        group.finish();
        let mut group = c.benchmark_group("FindUsers");
        bench_find_users(&mut group, users, &keys, &store, &statics);
        group.finish();
    }
}

/// GetJsonRow on the document and paths every caller uses (rust-plugin/json-row/data), one path per
/// iteration in turn: the plugin's Rust code called directly (gjson's Rust port: native) and its
/// generated C ABI (static). Each answer is checked first against the native one.
fn json_row(c: &mut Criterion) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rust-plugin/json-row/data");
    let document = std::fs::read_to_string(data.join("bench.json")).expect("the bench document");
    let paths = std::fs::read_to_string(data.join("bench-paths.txt")).expect("the bench paths");
    let paths: Vec<&str> = paths.split_whitespace().collect();
    let through_c = |path: &str| -> &str {
        use rp_json_row::ffi::{rp_str, rpj_get_json_row, RP_OK};
        let mut row = rp_str {
            ptr: std::ptr::null(),
            len: 0,
        };
        let view = |t: &str| rp_str {
            ptr: t.as_ptr().cast(),
            len: t.len(),
        };
        // SAFETY: views of live strings; no buffer (every bench answer is a part of the document);
        // `row` is a valid out-param.
        let status = unsafe {
            rpj_get_json_row(
                view(&document),
                view(path),
                std::ptr::null_mut(),
                0,
                &mut row,
            )
        };
        assert_eq!(status, RP_OK, "{path}");
        // SAFETY: on success, a view into `document`.
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(row.ptr.cast(), row.len))
        }
    };
    for path in &paths {
        let native = rp_json_row::get_json_row(&document, path).unwrap();
        assert!(!native.is_empty() && through_c(path) == native, "{path}");
    }
    let mut group = c.benchmark_group("GetJsonRow");
    group.bench_function("rust/native", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % paths.len();
            rp_json_row::get_json_row(black_box(&document), black_box(paths[i])).map(|a| a.len())
        })
    });
    group.bench_function("rust/static", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % paths.len();
            through_c(black_box(paths[i])).len()
        })
    });
    group.finish();
}

criterion_group!(benches, add, user_manager, json_row, sweep);
criterion_main!(benches);
