// The generator's state handling and the process-wide default generator.
#include "core/random.h"

#include <random>

namespace autocore {

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::seed() {
  std::random_device device;
  const uint64_t fresh = (static_cast<uint64_t>(device()) << 32) | device();
  manual_seed(fresh);
  return fresh;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

uint64_t Generator::offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_;
}

void Generator::set_state(uint64_t seed, uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = offset;
}

std::pair<uint64_t, uint64_t> Generator::reserve(uint64_t counters) {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t first = offset_;
  offset_ += counters;
  return {seed_, first};
}

const std::shared_ptr<Generator>& default_generator() {
  // Seeded from the OS's entropy, as PyTorch's default generator is: a process that never calls manual_seed
  // draws different numbers on every run.
  static const std::shared_ptr<Generator> generator = [] {
    auto fresh = std::make_shared<Generator>();
    fresh->seed();
    return fresh;
  }();
  return generator;
}

}  // namespace autocore
