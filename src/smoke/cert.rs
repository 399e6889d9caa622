//! The served certificate as a check: whether it names the host and when it expires. Pure: the
//! transport hands over the leaf certificate's DER.

use super::spec::CertificateExpect;

/// What the leaf certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub not_after: jiff::Timestamp,
    pub valid_for_host: bool,
}

impl Seen {
    pub fn days_left(&self, now: jiff::Timestamp) -> i64 {
        (self.not_after.as_second() - now.as_second()).div_euclid(86_400)
    }
}

/// Reads the expiry of a DER certificate and checks it names `host`.
pub fn inspect(der: &[u8], host: &str) -> Result<Seen, String> {
    let not_after = not_after(der).ok_or("the certificate's validity could not be read")?;
    let cert = rustls::pki_types::CertificateDer::from(der);
    let valid_for_host = match (
        webpki::EndEntityCert::try_from(&cert),
        rustls::pki_types::ServerName::try_from(host),
    ) {
        (Ok(ee), Ok(name)) => ee.verify_is_valid_for_subject_name(&name).is_ok(),
        _ => false,
    };
    Ok(Seen {
        not_after,
        valid_for_host,
    })
}

/// What does not hold, in words.
pub fn check(
    expect: &CertificateExpect,
    seen: &Seen,
    host: &str,
    now: jiff::Timestamp,
) -> Vec<String> {
    let mut failures = Vec::new();
    if expect.valid_for_host && !seen.valid_for_host {
        failures.push(format!("certificate: it is not valid for {host}"));
    }
    if let Some(min) = expect.min_days {
        let left = seen.days_left(now);
        if left < i64::from(min) {
            failures.push(format!(
                "certificate: expected at least {min} days before it expires, it expires on {} ({left} days left)",
                date(seen.not_after)
            ));
        }
    }
    failures
}

pub fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// One DER element: its tag, its contents and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | *b as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// `tbsCertificate.validity.notAfter` (RFC 5280 §4.1): skip the optional version, the serial
/// number, the signature algorithm and the issuer.
fn not_after(der: &[u8]) -> Option<jiff::Timestamp> {
    let (_, certificate, _) = element(der)?;
    let (_, mut tbs, _) = element(certificate)?;
    if tbs.first() == Some(&0xa0) {
        tbs = element(tbs)?.2;
    }
    for _ in 0..3 {
        tbs = element(tbs)?.2;
    }
    let (_, validity, _) = element(tbs)?;
    let (_, _, rest) = element(validity)?;
    let (tag, time, _) = element(rest)?;
    let text = std::str::from_utf8(time).ok()?.strip_suffix('Z')?;
    let full = match (tag, text.len()) {
        // UTCTime: two-digit years 50..99 are 19xx.
        (0x17, 12) => {
            let yy: u32 = text[..2].parse().ok()?;
            format!("{}{text}", if yy >= 50 { "19" } else { "20" })
        }
        (0x18, 14) => text.to_string(),
        _ => return None,
    };
    let n = |r: std::ops::Range<usize>| full.get(r)?.parse::<i16>().ok();
    let civil = jiff::civil::datetime(
        n(0..4)?,
        n(4..6)? as i8,
        n(6..8)? as i8,
        n(8..10)? as i8,
        n(10..12)? as i8,
        n(12..14)? as i8,
        0,
    );
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal certificate shape: SEQUENCE { SEQUENCE { [0] version, serial, alg, issuer,
    /// validity } }, enough for the walk.
    fn der(not_after: &[u8], tag: u8) -> Vec<u8> {
        let tlv = |tag: u8, body: &[u8]| {
            let mut v = vec![tag, body.len() as u8];
            v.extend_from_slice(body);
            v
        };
        let validity = [tlv(0x17, b"250101000000Z"), tlv(tag, not_after)].concat();
        let tbs = [
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &[1]),
            tlv(0x30, &[]),
            tlv(0x30, &[]),
            tlv(0x30, &validity),
        ]
        .concat();
        tlv(0x30, &tlv(0x30, &tbs))
    }

    #[test]
    fn reads_utc_and_generalized_times() {
        let t = not_after(&der(b"270315120000Z", 0x17)).unwrap();
        assert_eq!(t.to_string(), "2027-03-15T12:00:00Z");
        let t = not_after(&der(b"20510101000000Z", 0x18)).unwrap();
        assert_eq!(date(t), "2051-01-01");
        assert_eq!(not_after(&der(b"garbage", 0x17)), None);
        assert_eq!(not_after(&[0x30, 0x05, 1]), None);
    }

    #[test]
    fn days_left_and_host() {
        let now: jiff::Timestamp = "2027-03-01T12:00:00Z".parse().unwrap();
        let seen = Seen {
            not_after: "2027-03-15T12:00:00Z".parse().unwrap(),
            valid_for_host: false,
        };
        assert_eq!(seen.days_left(now), 14);
        let expect = CertificateExpect {
            valid_for_host: true,
            min_days: Some(30),
        };
        let f = check(&expect, &seen, "app.test", now);
        assert_eq!(f.len(), 2);
        assert!(f[0].contains("not valid for app.test"));
        assert!(f[1].contains("2027-03-15 (14 days left)"), "{}", f[1]);
    }
}
