connection: "sample_shop"
label: "The Look"

include: "*.view.lkml"

explore: order_items {
  label: "Order Items"
  description: "Every item sold, with its order, buyer and product"
  access_filter: {
    field: products.brand
    user_attribute: brand
  }
  join: orders {
    type: left_outer
    sql_on: ${order_items.order_id} = ${orders.id} ;;
    relationship: many_to_one
  }
  join: users {
    type: left_outer
    sql_on: ${orders.user_id} = ${users.id} ;;
    relationship: many_to_one
  }
  join: products {
    type: left_outer
    sql_on: ${order_items.product_id} = ${products.id} ;;
    relationship: many_to_one
  }
}

explore: orders {
  label: "Orders"
  description: "Orders and the customers who placed them"
  join: users {
    type: left_outer
    sql_on: ${orders.user_id} = ${users.id} ;;
    relationship: many_to_one
  }
}

explore: users {
  label: "Users"
  description: "Customers and where they came from"
}

explore: products {
  label: "Products"
  description: "The catalogue"
  access_filter: {
    field: products.brand
    user_attribute: brand
  }
}
