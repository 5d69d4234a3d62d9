//! Measures `NearDupIndex` at bank scale: 700,000 random short texts (one in twenty a near-copy of an
//! earlier one), and the worst case of one template repeated 100,000 times with other numbers.
//!
//! `cargo run --release -p domain --example neardup_scale`

use std::time::Instant;

use domain::neardup::NearDupIndex;

fn main() {
    let alphabet: Vec<char> = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严".chars().collect();
    let mut seed = 12345u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let n = 700_000usize;
    let mut texts = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 && i % 20 == 0 {
            // A near-copy of an earlier text: one number changed.
            let base: &String = &texts[next() % i];
            texts.push(format!("{base}{}", next() % 100));
        } else {
            let len = 20 + next() % 80;
            let mut t: String = (0..len).map(|_| alphabet[next() % alphabet.len()]).collect();
            t.push_str(&format!("{}", next() % 1000));
            texts.push(t);
        }
    }
    let mut index = NearDupIndex::new(0.7);
    let t = Instant::now();
    for (i, text) in texts.iter().enumerate() {
        index.insert(format!("item-{i}"), text);
    }
    let insert = t.elapsed();
    let t = Instant::now();
    let mut found = 0;
    for text in texts.iter().step_by(70) {
        found += index.find(text).len();
    }
    let query = t.elapsed();
    println!(
        "random: insert {:.1} µs each, query {:.1} µs each ({} found for {} queries), heap ≈ {} MiB",
        insert.as_secs_f64() * 1e6 / n as f64,
        query.as_secs_f64() * 1e6 / (n / 70) as f64,
        found,
        n / 70,
        index.heap_bytes() >> 20
    );

    let mut index = NearDupIndex::new(0.7);
    let template = |i: usize| {
        format!("学校有{}本练习本，平均分给{}个班，每班多少本？还剩{}本。", i * 7 % 1000, i % 13 + 2, i % 97)
    };
    let m = 100_000;
    let t = Instant::now();
    for i in 0..m {
        index.insert(format!("t-{i}"), &template(i));
    }
    let insert = t.elapsed();
    let t = Instant::now();
    let mut found = 0;
    for i in (0..m).step_by(100) {
        found += index.find(&template(i)).len();
    }
    let query = t.elapsed();
    println!(
        "one template x {m}: insert {:.1} µs each, query {:.1} µs each ({} found for {} queries)",
        insert.as_secs_f64() * 1e6 / m as f64,
        query.as_secs_f64() * 1e6 / (m / 100) as f64,
        found,
        m / 100
    );
}
