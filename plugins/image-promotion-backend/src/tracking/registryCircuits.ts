/*
 * Copyright 2026 The image-promotion authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { RegistryUnavailableError } from '../registry/registryFailure';

/**
 * One tracking run's view of each registry. Every operation on a registry is
 * bounded by a deadline; the first one that misses it or cannot connect opens
 * that registry's circuit: its calls still in flight are aborted and later
 * ones fail at once with the first failure, so a stalled registry costs a run
 * one deadline, not one per component, and never holds up another registry.
 */
export class RegistryCircuits {
  private readonly circuits = new Map<
    string,
    { controller: AbortController; failure?: string }
  >();

  constructor(
    private readonly operationTimeoutMs: number,
    private readonly runSignal?: AbortSignal,
  ) {}

  private circuit(registry: string) {
    let circuit = this.circuits.get(registry);
    if (!circuit) {
      circuit = { controller: new AbortController() };
      this.circuits.set(registry, circuit);
    }
    return circuit;
  }

  /** The deadline of one operation on `registry`. */
  get deadlineMs(): number {
    return this.operationTimeoutMs;
  }

  /** The signal one operation on `registry` runs under: the run, the circuit and the operation's deadline. */
  signal(registry: string): AbortSignal {
    return AbortSignal.any([
      ...(this.runSignal ? [this.runSignal] : []),
      this.circuit(registry).controller.signal,
      AbortSignal.timeout(this.operationTimeoutMs),
    ]);
  }

  /** What waiting to send an operation to `registry` is bounded by: the run and the circuit. */
  waitSignal(registry: string): AbortSignal {
    const circuit = this.circuit(registry).controller.signal;
    return this.runSignal
      ? AbortSignal.any([this.runSignal, circuit])
      : circuit;
  }

  /** Whether the whole run was stopped (its task timed out or the backend is stopping). */
  get runAborted(): boolean {
    return this.runSignal?.aborted ?? false;
  }

  /** Why `registry` is given up on in this run, or undefined while it is not. */
  failure(registry: string): string | undefined {
    return this.circuits.get(registry)?.failure;
  }

  /**
   * Records a failed operation; a deadline or a connection failure gives the
   * registry up for the rest of the run (a missing repository or a refused
   * credential is about one repository, not the registry).
   */
  record(registry: string, error: unknown): void {
    if (
      !(error instanceof RegistryUnavailableError) ||
      (error.kind !== 'timeout' && error.kind !== 'connection')
    ) {
      return;
    }
    const circuit = this.circuit(registry);
    if (circuit.failure) return;
    circuit.failure = error.message;
    circuit.controller.abort(error);
  }
}
