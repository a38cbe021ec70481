#pragma once
// The error every part of the service throws when a request cannot be
// served: it carries the HTTP status to answer with and, when one field of
// the request is to blame, that field's name, so the client gets
//   {"error": "alpha must be a number in [0, 1], got '7'", "field": "alpha"}
// and a person or a script knows exactly what to change.
#include <string>

#include "gf/core/error.hpp"

namespace gf::serve {

class ApiError : public Error {
 public:
  /// `reason`: a short fixed label for metrics ("bad_field", "corrupt", ...).
  ApiError(int status, std::string field, const std::string& message, std::string reason = "bad_request")
      : Error(message), status_(status), field_(std::move(field)), reason_(std::move(reason)) {}

  int status() const { return status_; }
  /// The request field at fault, or empty.
  const std::string& field() const { return field_; }
  const std::string& reason() const { return reason_; }

 private:
  int status_;
  std::string field_, reason_;
};

}  // namespace gf::serve
