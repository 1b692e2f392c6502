// tsyringe needs the Reflect metadata API before it loads; importing it here, first, makes that order hold
// for every kernel module (they all take tsyringe from this file).
import 'reflect-metadata';

export { container as rootContainer, inject, injectable, type DependencyContainer } from 'tsyringe';
