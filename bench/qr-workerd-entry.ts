/** The Worker bench/qr-workerd.ts runs in workerd: one step of one build, `rounds` times a request. */
import { runRender, type Build, type Step } from "./qr-renders";

interface Job {
  step: Step;
  build: Build;
  token: string;
  png: number[];
  rounds: number;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as Job;
    await runRender(job.step, job.build, { token: job.token, png: Uint8Array.from(job.png) }, job.rounds);
    return new Response("done");
  },
};
