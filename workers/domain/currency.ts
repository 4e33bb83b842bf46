/**
 * Currencies as Stripe takes them: which it settles card payments in, how many minor units its API
 * counts per major unit, the smallest charge it accepts, and the largest. Prices are checked against
 * these when an organizer sets them, so a buyer never meets a charge Stripe refuses.
 *
 * Three-decimal currencies (BHD, JOD, KWD, OMR, TND) are left out: Stripe wants their amounts to end
 * in 0, a rule no price field here explains. Minimums are Stripe's published ones; elsewhere Stripe
 * converts to about 0.50 USD at the day's rate, which a rule without rates cannot do, so one minor
 * unit is the floor here and a charge Stripe still finds too small is answered as a 4xx at payment.
 */

/** Stripe's cap on one charge, in minor units, for most currencies (e.g. $999,999.99). */
export const MAX_CHARGE = 99_999_999;

const SUPPORTED = (
  "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd " +
  "cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq " +
  "gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad " +
  "mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln " +
  "pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs " +
  "uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw"
)
  .toUpperCase()
  .split(" ");

/** Amounts in whole units (¥500 is 500). ISK, HUF and TWD are two-decimal in Stripe's API. */
const ZERO_DECIMAL = new Set(["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]);

const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  USD: 50, AED: 200, AUD: 50, BGN: 100, BRL: 50, CAD: 50, CHF: 50, CZK: 1500, DKK: 250, EUR: 50,
  GBP: 30, HKD: 400, HUF: 17500, INR: 50, JPY: 50, MXN: 1000, MYR: 200, NOK: 300, NZD: 50, PLN: 200,
  RON: 200, SEK: 300, SGD: 50, THB: 1000,
};

export interface Currency {
  /** ISO 4217, upper case. */
  code: string;
  /** Minor units per major unit as an exponent: 2 for EUR (cents), 0 for JPY. */
  exponent: 0 | 2;
  /** The smallest amount Stripe charges, in minor units. */
  minimumCharge: number;
}

const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  SUPPORTED.map((code) => [code, { code, exponent: ZERO_DECIMAL.has(code) ? 0 : 2, minimumCharge: MINIMUM_CHARGE[code] ?? 1 }]),
);

/** The currency with this code (any case), or undefined when Stripe does not take it. */
export function currencyOf(code: string): Currency | undefined {
  return CURRENCIES.get(code.toUpperCase());
}

export interface PriceProblem {
  field: string;
  message: string;
}

/**
 * A ticket price must be free or chargeable on its own, and a full order (`max_per_order` tickets)
 * must stay within one charge: Stripe's cap, which is also what the amount columns are sized for.
 */
export function checkTierPrices(currencyCode: string, tiers: readonly { price: number; maxPerOrder: number }[]): PriceProblem[] {
  const currency = currencyOf(currencyCode);
  if (!currency) return [{ field: "currency", message: `Payments cannot be taken in ${currencyCode}.` }];
  const problems: PriceProblem[] = [];
  tiers.forEach((tier, i) => {
    if (tier.price > 0 && tier.price < currency.minimumCharge) {
      problems.push({
        field: `tiers.${i}.price`,
        message: `A paid ticket costs at least ${formatMoney(currency.minimumCharge, currency.code)} (Stripe's minimum charge); use 0 for a free one.`,
      });
    } else if (tier.price * tier.maxPerOrder > MAX_CHARGE) {
      problems.push({
        field: `tiers.${i}.max_per_order`,
        message: `An order of ${tier.maxPerOrder} tickets would pass the largest single charge, ${formatMoney(MAX_CHARGE, currency.code)}: lower the price or max_per_order.`,
      });
    }
  });
  return problems;
}

/** An amount in minor units as people read it, e.g. "€12.50" or "¥500". */
export function formatMoney(amount: number, currencyCode: string, locale = "en-GB"): string {
  const exponent = currencyOf(currencyCode)?.exponent ?? 2;
  return new Intl.NumberFormat(locale, { style: "currency", currency: currencyCode.toUpperCase() }).format(amount / 10 ** exponent);
}
