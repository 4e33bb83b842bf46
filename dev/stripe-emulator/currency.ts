import { paramError } from "./errors";

// Currencies Stripe settles card payments in (three-decimal currencies such as
// bhd/kwd are left out: Stripe requires amounts divisible by 10 for them).
const SUPPORTED = new Set(
  (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd " +
    "cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq " +
    "gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad " +
    "mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln " +
    "pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs " +
    "uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw"
  ).split(" "),
);

const ZERO_DECIMAL = new Set([
  "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
]);

// Stripe's minimum charge amounts in minor units, for the currencies it
// publishes them for. Elsewhere Stripe converts to ~0.50 USD at current rates,
// which an offline emulator cannot do, so it only demands a positive amount.
const MINIMUM_AMOUNT: Record<string, number> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200,
  ron: 200, sek: 300, sgd: 50, thb: 1000,
};

/** Stripe caps a single charge at 99,999,999 minor units (e.g. $999,999.99). */
export const MAXIMUM_AMOUNT = 99_999_999;

export function parseCurrency(value: string, param = "currency"): string {
  const currency = value.toLowerCase();
  if (!SUPPORTED.has(currency)) throw paramError(`Invalid currency: ${value}.`, param);
  return currency;
}

export function minimumAmount(currency: string): number {
  return MINIMUM_AMOUNT[currency] ?? 1;
}

/** Human-readable amount for error messages, e.g. `0.50 usd` or `50 jpy`. */
export function formatAmount(amount: number, currency: string): string {
  const major = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  return `${major} ${currency}`;
}

/** Validates a charge amount for `currency` the way Stripe does on PaymentIntents. */
export function checkChargeAmount(amount: number, currency: string, param = "amount"): void {
  if (amount < 1) {
    throw paramError("This value must be greater than or equal to 1.", param, "parameter_invalid_integer");
  }
  const minimum = minimumAmount(currency);
  if (amount < minimum) {
    throw paramError(`Amount must be at least ${formatAmount(minimum, currency)}`, param, "amount_too_small");
  }
  if (amount > MAXIMUM_AMOUNT) {
    throw paramError(`Amount must be no more than ${formatAmount(MAXIMUM_AMOUNT, currency)}`, param, "amount_too_large");
  }
}
