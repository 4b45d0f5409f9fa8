/**
 * The one QuickJS module this process runs contracts with. Loading it is asynchronous (the
 * WebAssembly compiles once), execution is synchronous: the app awaits the load before it
 * executes a block, and the node before it accepts transactions.
 */
import { ContractSandbox } from '../../contracts/sandbox.js';
import { TxError } from '../errors.js';

let loaded: ContractSandbox | undefined;
let loading: Promise<ContractSandbox> | undefined;

export async function loadContractRuntime(): Promise<ContractSandbox> {
  loading ??= ContractSandbox.load().then((s) => (loaded = s));
  return loading;
}

export function contractRuntime(): ContractSandbox {
  if (!loaded) throw new TxError('INTERNAL', 'the contract runtime is still loading; try again');
  return loaded;
}
