//! Shows how the normaliser reduces words, for trainers choosing between
//! `phrases` (stems) and `exact`: `cargo run --example stems -- ru проблему знаем`.

fn main() {
    let lang = std::env::args().nth(1).unwrap().parse().unwrap();
    let n = sufler_core::text::Normalizer::new(lang);
    for w in std::env::args().skip(2) {
        println!("{w}: {} {:?}", n.stem(&w), n.stem_variants(&w));
    }
}
