import type { Account } from "./account";
import type { Route } from "./context";
import { resourceMissing } from "./errors";
import { newId, nowSeconds } from "./ids";
import type { BalanceTransaction } from "./shapes";

const AVAILABLE_AFTER_SECONDS = 2 * 24 * 60 * 60;

/**
 * Fictional but plausible processing fee (2.9% + 30 minor units), so code that
 * reads `fee`/`net` from balance transactions sees realistic, non-zero values.
 */
function processingFee(amount: number): number {
  return Math.round(amount * 0.029) + 30;
}

export function recordBalanceTransaction(
  account: Account,
  input: { amount: number; currency: string; source: string; type: "charge" | "refund"; description: string | null },
): BalanceTransaction {
  const created = nowSeconds();
  const fee = input.type === "charge" ? processingFee(input.amount) : 0;
  const transaction: BalanceTransaction = {
    amount: input.amount,
    available_on: created + AVAILABLE_AFTER_SECONDS,
    balance_type: "payments",
    created,
    currency: input.currency,
    description: input.description,
    exchange_rate: null,
    fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: input.currency, description: "Stripe processing fees", type: "stripe_fee" }] : [],
    id: newId("txn"),
    net: input.amount - fee,
    object: "balance_transaction",
    reporting_category: input.type,
    source: input.source,
    status: "pending",
    type: input.type,
  };
  account.balanceTransactions.set(transaction.id, transaction);
  return transaction;
}

export const balanceTransactionRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/balance_transactions/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      const transaction = account.balanceTransactions.get(id);
      if (!transaction) throw resourceMissing("balance transaction", id);
      return { body: transaction };
    },
  },
];
